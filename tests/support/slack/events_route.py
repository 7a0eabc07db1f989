"""The api's container with Slack's fakes, for the Slack routes' tests."""

from datetime import UTC, datetime

from shared.platform.config import PlatformSecret
from shared.slack.domain.installs import SlackInstall
from shared.workspace.domain.integrations import chat_token_secret
from tests.support.platform.fake_container import FakeContainer
from tests.support.workspace.firestore_tenants import tenant

SECRET = "0123456789abcdef0123456789abcdef"
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _fakes(*, secret: bool = True) -> FakeContainer:
    fakes = FakeContainer()
    one = tenant("ws-1", owner_user_id="u-ada", owner_email="ada@acme.example")
    fakes.tenants.save(one)
    if secret:
        fakes.secrets.values[PlatformSecret.SLACK_SIGNING_SECRET] = SECRET
    fakes.secrets.values[chat_token_secret(one.tenant_id)] = "xoxb-test"
    install = SlackInstall(
        team_id="T00000001",
        tenant_id=one.tenant_id,
        bot_user_id="UBOT00001",
        installed_at=T0,
    )
    fakes.slack_installs.put(install)
    fakes.slack_web.emails["UADA00001"] = "ADA@acme.example"  # the same mailbox, whatever its case
    return fakes
