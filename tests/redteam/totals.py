"""What every red-team module found, counted for the one RESULT line ``test_zz_result.py`` asserts.

Each attack module adds ``attacks`` (cases run) and its per-guarantee counts (tests/redteam/checks.py)
here; ``ATTACKS`` is how many cases the engine modules run together, split between them: 5,000 under
``REDTEAM=full`` (make redteam), 300 otherwise.
"""

import os
from collections import Counter

FULL = os.environ.get("REDTEAM", "short") == "full"
ATTACKS = 5000 if FULL else 300
COUNTS = (
    "unapproved_effects",
    "misleading_approvals",
    "key_approvals",
    "deputy_reads",
    "role_escapes",
    "ask_out_of_reach",  # test_ask_reach.py: an Ask reading or citing beyond its asker's reach
    # code/test_secret_attacks.py: a planted secret in a request to the owner, or received by a sandbox
    "secrets_shown_for_approval",
    "secrets_pushed",
    "starter_escapes",  # test_starter_attacks.py: a run beyond its starter's (or its agent's) reach
    # mcp/test_mcp_attacks.py: the MCP sandbox's hostile tool; calls made unapproved, injections obeyed
    "mcp_unapproved_calls",
    "mcp_injections_followed",
    "undo_escapes",  # team/test_undo_attacks.py: an undo of another tenant's, person's or out-of-reach run
    # team/test_slack_attacks.py, test_slack_channel_attacks.py: a forged, stale, stranger's or replayed
    # Slack press, event or command that acted, or words that widened a run's reach or approved;
    # team/test_mail_channel_attacks.py: a spoofed sender's mail, a forged push or an injection that acted
    "channel_spoofs",
    "webhook_leaks",  # team/test_webhook_attacks.py: a delivery beyond its type's fields or workspace
    # team/test_stream_attacks.py: an event of another person's or tenant's session or run streamed, or
    # a frame a message's text forged
    "stream_leaks",
)
TOTALS: Counter[str] = Counter()
# What the attacks put to the guarantees (requests naming effects, member cases): none would make
# every zero above vacuous, so test_zz_result asserts each is a fair share of the attacks.
EXERCISED: Counter[str] = Counter()
