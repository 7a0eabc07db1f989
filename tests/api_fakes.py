"""The entry points over fakes: a ``FakeContainer`` (the composition root with every port a fake),
the ``fakes`` fixture and a Flask test ``client`` of a function."""

from typing import Any, cast

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from functions._http import app
from shared.agents.ports import AgentStore
from shared.bootstrap import PORTS, Container
from shared.code.ports import CodeHost, Deployer
from shared.notify.ports import Chat, NotificationLog, Notifier
from shared.notion.ports import NotionClient, NotionOAuth
from shared.platform.config import PlatformSecret, Settings
from shared.platform.ports import DeadLetterStore, Model, PaceCounters, SecretStore, TaskQueue
from shared.runs.ports import RunStore
from shared.team.ports import ApiKeyStore, AuditLog
from shared.workspace.ports import OAuthStateStore, TenantStore, WebhookEventLedger
from tests.engine_fakes import FakeModel, FakeNotion
from tests.fakes import (
    FakeAgents,
    FakeApiKeys,
    FakeAudit,
    FakeChatWebhooks,
    FakeCodeAccounts,
    FakeDeadLetters,
    FakeInvites,
    FakeNotificationLog,
    FakeNotifier,
    FakeNotionOAuth,
    FakeOAuthStates,
    FakePaces,
    FakeQueue,
    FakeRunStore,
    FakeSecrets,
    FakeTenantStore,
    FakeWebhookEvents,
)
from tests.support.memory.memory import FakePassages, WordCountEmbedder
from tests.support.sync.sync_fakes import FakeGitLab, FakeLinear, FakeMotion, FakeSyncStore


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
    }


class FakeContainer(Container):
    """The composition root over fakes: every port of every entry point (``ports`` replace some).
    A port may be swapped before the first request (``fakes.tenants = other``)."""

    def __init__(self, settings: Settings | None = None, **ports: Any) -> None:
        super().__init__(settings or Settings(), **(_fake_ports() | ports))

    def __setattr__(self, name: str, value: Any) -> None:
        if name in PORTS:
            self._built[name] = value
        else:
            super().__setattr__(name, value)

    # Typed as the fakes it starts with, so a test reads a fake's records (``fakes.queue.tasks``) and
    # mypy checks them; a port swapped in (``fakes.tenants = other``) is read back as the object the
    # test itself holds.
    @property
    def store(self) -> FakeRunStore:
        return cast(FakeRunStore, self._built["store"])

    @store.setter
    def store(self, value: RunStore) -> None:
        self._built["store"] = value

    @property
    def queue(self) -> FakeQueue:
        return cast(FakeQueue, self._built["queue"])

    @queue.setter
    def queue(self, value: TaskQueue) -> None:
        self._built["queue"] = value

    @property
    def secrets(self) -> FakeSecrets:
        return cast(FakeSecrets, self._built["secrets"])

    @secrets.setter
    def secrets(self, value: SecretStore) -> None:
        self._built["secrets"] = value

    @property
    def notifier(self) -> FakeNotifier:
        return cast(FakeNotifier, self._built["notifier"])

    @notifier.setter
    def notifier(self, value: Notifier) -> None:
        self._built["notifier"] = value

    @property
    def notifications(self) -> FakeNotificationLog:
        return cast(FakeNotificationLog, self._built["notifications"])

    @notifications.setter
    def notifications(self, value: NotificationLog) -> None:
        self._built["notifications"] = value

    @property
    def tenants(self) -> FakeTenantStore:
        return cast(FakeTenantStore, self._built["tenants"])

    @tenants.setter
    def tenants(self, value: TenantStore) -> None:
        self._built["tenants"] = value

    @property
    def paces(self) -> FakePaces:
        return cast(FakePaces, self._built["paces"])

    @paces.setter
    def paces(self, value: PaceCounters) -> None:
        self._built["paces"] = value

    @property
    def oauth_states(self) -> FakeOAuthStates:
        return cast(FakeOAuthStates, self._built["oauth_states"])

    @oauth_states.setter
    def oauth_states(self, value: OAuthStateStore) -> None:
        self._built["oauth_states"] = value

    @property
    def webhook_events(self) -> FakeWebhookEvents:
        return cast(FakeWebhookEvents, self._built["webhook_events"])

    @webhook_events.setter
    def webhook_events(self, value: WebhookEventLedger) -> None:
        self._built["webhook_events"] = value

    @property
    def dead_letters(self) -> FakeDeadLetters:
        return cast(FakeDeadLetters, self._built["dead_letters"])

    @dead_letters.setter
    def dead_letters(self, value: DeadLetterStore) -> None:
        self._built["dead_letters"] = value

    @property
    def api_keys(self) -> FakeApiKeys:
        return cast(FakeApiKeys, self._built["api_keys"])

    @api_keys.setter
    def api_keys(self, value: ApiKeyStore) -> None:
        self._built["api_keys"] = value

    @property
    def agents(self) -> FakeAgents:
        return cast(FakeAgents, self._built["agents"])

    @agents.setter
    def agents(self, value: AgentStore) -> None:
        self._built["agents"] = value

    @property
    def audit(self) -> FakeAudit:
        return cast(FakeAudit, self._built["audit"])

    @audit.setter
    def audit(self, value: AuditLog) -> None:
        self._built["audit"] = value

    @property
    def notion(self) -> FakeNotion:
        return cast(FakeNotion, self._built["notion"])

    @notion.setter
    def notion(self, value: NotionClient) -> None:
        self._built["notion"] = value

    @property
    def notion_oauth(self) -> FakeNotionOAuth:
        return cast(FakeNotionOAuth, self._built["notion_oauth"])

    @notion_oauth.setter
    def notion_oauth(self, value: NotionOAuth) -> None:
        self._built["notion_oauth"] = value

    @property
    def model(self) -> FakeModel:
        return cast(FakeModel, self._built["model"])

    @model.setter
    def model(self, value: Model) -> None:
        self._built["model"] = value

    @property
    def code_host(self) -> FakeCodeAccounts:
        return cast(FakeCodeAccounts, self._built["code_host"])

    @code_host.setter
    def code_host(self, value: CodeHost) -> None:
        self._built["code_host"] = value

    @property
    def deployer(self) -> FakeCodeAccounts:
        return cast(FakeCodeAccounts, self._built["deployer"])

    @deployer.setter
    def deployer(self, value: Deployer) -> None:
        self._built["deployer"] = value

    @property
    def chat(self) -> FakeCodeAccounts:
        return cast(FakeCodeAccounts, self._built["chat"])

    @chat.setter
    def chat(self, value: Chat) -> None:
        self._built["chat"] = value


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
