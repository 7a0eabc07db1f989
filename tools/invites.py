"""Make an invite code for the invite sign-up policy (``NA_SIGNUP_POLICY=invite``): ``make invite``.

Writes ``invites/{sha256(code)}`` with the uses it admits, with the operator's credentials, and prints
the code once, with the console link that carries it (``<console>/#invite=<code>``: a fragment, which
no browser sends to a server). Only the code's hash is stored, so a lost code cannot be shown again:
make another. Reads only ``NA_GCP_PROJECT``, ``NA_FIRESTORE_DATABASE`` and, locally,
``NA_FIRESTORE_EMULATOR_HOST``, plus ``NA_FRONTEND_URL`` for the link
(docs/decisions/0051-who-may-connect.md).
"""

import argparse
import os
import sys
from datetime import UTC, datetime

from shared import bootstrap
from shared.platform.config import Settings, env_name
from shared.workspace.domain.connecting import signup

_READ = ("gcp_project", "firestore_database", "firestore_emulator_host", "frontend_url")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uses", type=int, default=1, help="how many workspaces it admits (1 to 1000)")
    args = parser.parse_args(argv)
    if not 1 <= args.uses <= 1000:
        print("--uses must be from 1 to 1000", file=sys.stderr)
        return 2
    settings = Settings(
        **{name: os.environ[env_name(name)] for name in _READ if env_name(name) in os.environ}
    )
    code = signup.new_invite_code()
    bootstrap.Container(settings).workspace.invites.create(
        signup.invite_key(code), args.uses, datetime.now(UTC)
    )
    print(f"invite code (shown once): {code}")
    print(f"invite link: {settings.frontend_url.split('#', 1)[0]}#invite={code}")
    print(f"RESULT invite uses={args.uses}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
