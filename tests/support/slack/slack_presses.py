"""Presses of a Slack approval's buttons as Slack posts them, for tests: a workspace of fakes with the
app installed and a run waiting for its owner's approval, and a press signed with the app's secret."""

import json
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from shared.notify.domain.slack_threads import approval_blocks
from shared.platform.config import PlatformSecret
from shared.slack.domain.installs import SlackInstall
from shared.team.services.sessions import start_session
from shared.workspace.domain.integrations import chat_token_secret
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.runs.api_runs import fake_container, waiting_run

SECRET = "0123456789abcdef0123456789abcdef"
TEAM, CHANNEL = "T00000001", "C00000001"


def slack_fakes() -> FakeContainer:
    """Tenant t1 (owner ada@acme.example) with the app installed in TEAM; Slack knows ada and eve."""
    fakes = fake_container(None)  # type: ignore[arg-type]  # the helper does not use its monkeypatch
    fakes.tenants.update("t1", lambda t: t.model_copy(update={"owner_email": "ada@acme.example"}))  # type: ignore[union-attr]  # saved just before
    fakes.secrets.values[PlatformSecret.SLACK_SIGNING_SECRET] = SECRET
    fakes.secrets.values[chat_token_secret("t1")] = "xoxb-test"
    install = SlackInstall(
        team_id=TEAM, tenant_id="t1", bot_user_id="UBOT00001", installed_at=datetime.now(UTC)
    )
    fakes.slack_installs.put(install)
    fakes.slack_web.emails["UADA00001"] = "ada@acme.example"
    fakes.slack_web.emails["UEVE00001"] = "eve@elsewhere.example"
    return fakes


def press(
    value: str,
    user: str = "UADA00001",
    action: str = "approve",
    secret: str = SECRET,
    where: tuple[str, str, str] = (TEAM, CHANNEL, "1.000001"),
) -> tuple[bytes, dict[str, str]]:
    """A press of ``action`` by ``user`` on a button carrying ``value`` in ``where`` (team, channel,
    thread's ts), signed with ``secret`` now."""
    team, channel, thread = where
    payload = {
        "type": "block_actions",
        "team": {"id": team},
        "user": {"id": user},
        "channel": {"id": channel},
        "container": {"message_ts": "2.000001", "thread_ts": thread},
        "actions": [{"action_id": action, "value": value, "action_ts": "2.5"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return body, headers


def button_value(run_id: str, request_id: str) -> str:
    """The value the approval message's Approve button carries, as built for Slack."""
    [_, actions] = approval_blocks(run_id, request_id, "ok?", "http://console/runs/x")
    value: str = actions["elements"][0]["value"]
    return value


def waiting(fakes: FakeContainer, request_id: str = "abc") -> tuple[str, str]:
    """A run of the owner's waiting for an approval (one per ``request_id``): its id and the request's."""
    api = client("api", fakes)
    run_id, note = waiting_run(fakes, api, start_session("t1", fakes.secrets), request_id)
    return run_id, str(note.data["request_id"])
