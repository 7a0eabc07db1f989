"""The entry points over fakes: a ``FakeContainer`` (the composition root with every port a fake),
the ``fakes`` fixture and a Flask test ``client`` of a function."""

from typing import Any, cast

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from functions._http import app
from shared.bootstrap import Container
from shared.platform.config import PlatformSecret, Settings
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.calendar.calendar_fakes import FakeCalendarLinks
from tests.support.code.code_fakes import FakeCodeAccounts
from tests.support.mail.mail_fakes import FakeMailboxes
from tests.support.mcp.mcp_fakes import FakeMcpPolicies, FakeMcpServers
from tests.support.memory.memory import FakePassages, WordCountEmbedder
from tests.support.notify.notify_fakes import FakeChatWebhooks, FakeNotificationLog, FakeNotifier
from tests.support.notion.notion_fakes import FakeNotion, FakeNotionOAuth
from tests.support.outbound.outbound_fakes import FakeHooks, FakeHookSender
from tests.support.platform.platform_fakes import (
    FakeDeadLetters,
    FakeModel,
    FakePaces,
    FakeQueue,
    FakeSecrets,
)
from tests.support.runs.run_store import FakeRunStore
from tests.support.sessions.session_fakes import FakeSessions
from tests.support.slack.slack_fakes import FakeSlackInstalls, FakeSlackWeb
from tests.support.sync.sync_fakes import FakeGitLab, FakeLinear, FakeMotion, FakeSyncStore
from tests.support.team.team_fakes import FakeApiKeys, FakeAudit
from tests.support.workspace.workspace_fakes import (
    FakeInvites,
    FakeOAuthStates,
    FakeTenantStore,
    FakeWebhookEvents,
)


def _fake_ports() -> dict[str, Any]:
    return {
        "store": FakeRunStore(),
        "queue": FakeQueue(),
        "secrets": FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: "k" * 32}),
        "notifier": FakeNotifier(),
        "notifications": FakeNotificationLog(),
        "tenants": FakeTenantStore(),
        "oauth_states": FakeOAuthStates(),
        "invites": FakeInvites(),
        "paces": FakePaces(),
        "webhook_events": FakeWebhookEvents(),
        "dead_letters": FakeDeadLetters(),
        "api_keys": FakeApiKeys(),
        "agents": FakeAgents(),
        "audit": FakeAudit(),
        "notion_oauth": FakeNotionOAuth(),
        "notion": FakeNotion(),
        "model": FakeModel(),
        "code_host": FakeCodeAccounts("GitHub"),
        "deployer": FakeCodeAccounts("Vercel"),
        "chat": FakeCodeAccounts("Slack"),
        "discord": FakeChatWebhooks(),
        "embedder": WordCountEmbedder(),
        "passages": FakePassages(),
        "linear": FakeLinear(),
        "sync_store": FakeSyncStore(),
        "gitlab": FakeGitLab(),
        "gitlab_store": FakeSyncStore(),
        "motion": FakeMotion(),
        "motion_store": FakeSyncStore(),
        "slack_installs": FakeSlackInstalls(),
        "slack_web": FakeSlackWeb(),
        "sessions": FakeSessions(),
        "mcp_servers": FakeMcpServers(),
        "mcp_policies": FakeMcpPolicies(),
        "hooks": FakeHooks(),
        "hook_sender": FakeHookSender(),
        "mailboxes": FakeMailboxes(),
        "calendar_links": FakeCalendarLinks(),
    }


class Fake[T]:
    """A port of a :class:`FakeContainer` by its name, read as the fake it starts with (so a test reads
    a fake's records, ``fakes.queue.tasks``, and mypy checks them) and swapped by assignment before
    the first request (``fakes.tenants = other``: read back as the object the test itself holds)."""

    def __init__(self, port: str = "") -> None:
        self.port = port

    def __set_name__(self, owner: type, name: str) -> None:
        self.port = self.port or name

    def __get__(self, container: Container, owner: type) -> T:
        return cast(T, container.instance.built[self.port])

    def __set__(self, container: Container, value: object) -> None:
        container.instance.built[self.port] = value


class FakeContainer(Container):
    """The composition root over fakes: every port of every entry point (``ports`` replace some).
    ``notion`` and ``agents`` name the container's parts, so their fakes are ``fake_notion`` and
    ``fake_agents``; a port without a name here is read through its part (``fakes.sync.linear``)."""

    def __init__(self, settings: Settings | None = None, **ports: Any) -> None:
        super().__init__(settings or Settings(), **(_fake_ports() | ports))

    store: Fake[FakeRunStore] = Fake()
    queue: Fake[FakeQueue] = Fake()
    secrets: Fake[FakeSecrets] = Fake()
    notifier: Fake[FakeNotifier] = Fake()
    notifications: Fake[FakeNotificationLog] = Fake()
    tenants: Fake[FakeTenantStore] = Fake()
    paces: Fake[FakePaces] = Fake()
    oauth_states: Fake[FakeOAuthStates] = Fake()
    webhook_events: Fake[FakeWebhookEvents] = Fake()
    dead_letters: Fake[FakeDeadLetters] = Fake()
    api_keys: Fake[FakeApiKeys] = Fake()
    fake_agents: Fake[FakeAgents] = Fake("agents")
    audit: Fake[FakeAudit] = Fake()
    fake_notion: Fake[FakeNotion] = Fake("notion")
    notion_oauth: Fake[FakeNotionOAuth] = Fake()
    model: Fake[FakeModel] = Fake()
    code_host: Fake[FakeCodeAccounts] = Fake()
    deployer: Fake[FakeCodeAccounts] = Fake()
    chat: Fake[FakeCodeAccounts] = Fake()
    slack_installs: Fake[FakeSlackInstalls] = Fake()
    slack_web: Fake[FakeSlackWeb] = Fake()


@pytest.fixture
def fakes() -> FakeContainer:
    return FakeContainer()


def client(target: str, container: Container) -> FlaskClient:
    """functions-framework's app of ``target``, answering from ``container``."""
    return app(target, container).test_client()


def json_body(answer: TestResponse) -> dict[str, Any]:
    """The JSON object ``answer`` carries (werkzeug types ``answer.json`` as ``Any | None``)."""
    assert isinstance(answer.json, dict), answer.get_data(as_text=True)
    return answer.json


PLAN_BODY = {"tenant_id": "t1", "run_id": "r1", "goal": "Say hello", "trigger": {"kind": "manual"}}
