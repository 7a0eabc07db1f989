"""The entry points over fakes: a ``FakeContainer`` (the composition root with every port a fake),
the ``fakes`` fixture and a Flask test ``client`` of a function."""

from typing import Any, cast

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from functions._http import app
from shared.bootstrap import Container
from shared.code.ports import CodeHost, Deployer
from shared.notify.ports import Chat, NotificationLog, Notifier
from shared.notion.ports import NotionOAuth
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
        "webhooks": FakeChatWebhooks(),
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
    A port may be swapped before the first request (``fakes.tenants = other``); ``notion`` and
    ``agents`` name the container's parts, so their fakes are ``fake_notion`` and ``fake_agents``."""

    def __init__(self, settings: Settings | None = None, **ports: Any) -> None:
        super().__init__(settings or Settings(), **(_fake_ports() | ports))

    # Typed as the fakes it starts with, so a test reads a fake's records (``fakes.queue.tasks``) and
    # mypy checks them; a port swapped in (``fakes.tenants = other``) is read back as the object the
    # test itself holds.
    @property
    def store(self) -> FakeRunStore:
        return cast(FakeRunStore, self.instance.built["store"])

    @store.setter
    def store(self, value: RunStore) -> None:
        self.instance.built["store"] = value

    @property
    def queue(self) -> FakeQueue:
        return cast(FakeQueue, self.instance.built["queue"])

    @queue.setter
    def queue(self, value: TaskQueue) -> None:
        self.instance.built["queue"] = value

    @property
    def secrets(self) -> FakeSecrets:
        return cast(FakeSecrets, self.instance.built["secrets"])

    @secrets.setter
    def secrets(self, value: SecretStore) -> None:
        self.instance.built["secrets"] = value

    @property
    def notifier(self) -> FakeNotifier:
        return cast(FakeNotifier, self.instance.built["notifier"])

    @notifier.setter
    def notifier(self, value: Notifier) -> None:
        self.instance.built["notifier"] = value

    @property
    def notifications(self) -> FakeNotificationLog:
        return cast(FakeNotificationLog, self.instance.built["notifications"])

    @notifications.setter
    def notifications(self, value: NotificationLog) -> None:
        self.instance.built["notifications"] = value

    @property
    def tenants(self) -> FakeTenantStore:
        return cast(FakeTenantStore, self.instance.built["tenants"])

    @tenants.setter
    def tenants(self, value: TenantStore) -> None:
        self.instance.built["tenants"] = value

    @property
    def paces(self) -> FakePaces:
        return cast(FakePaces, self.instance.built["paces"])

    @paces.setter
    def paces(self, value: PaceCounters) -> None:
        self.instance.built["paces"] = value

    @property
    def oauth_states(self) -> FakeOAuthStates:
        return cast(FakeOAuthStates, self.instance.built["oauth_states"])

    @oauth_states.setter
    def oauth_states(self, value: OAuthStateStore) -> None:
        self.instance.built["oauth_states"] = value

    @property
    def webhook_events(self) -> FakeWebhookEvents:
        return cast(FakeWebhookEvents, self.instance.built["webhook_events"])

    @webhook_events.setter
    def webhook_events(self, value: WebhookEventLedger) -> None:
        self.instance.built["webhook_events"] = value

    @property
    def dead_letters(self) -> FakeDeadLetters:
        return cast(FakeDeadLetters, self.instance.built["dead_letters"])

    @dead_letters.setter
    def dead_letters(self, value: DeadLetterStore) -> None:
        self.instance.built["dead_letters"] = value

    @property
    def api_keys(self) -> FakeApiKeys:
        return cast(FakeApiKeys, self.instance.built["api_keys"])

    @api_keys.setter
    def api_keys(self, value: ApiKeyStore) -> None:
        self.instance.built["api_keys"] = value

    @property
    def fake_agents(self) -> FakeAgents:
        return cast(FakeAgents, self.instance.built["agents"])

    @property
    def audit(self) -> FakeAudit:
        return cast(FakeAudit, self.instance.built["audit"])

    @audit.setter
    def audit(self, value: AuditLog) -> None:
        self.instance.built["audit"] = value

    @property
    def fake_notion(self) -> FakeNotion:
        return cast(FakeNotion, self.instance.built["notion"])

    @property
    def notion_oauth(self) -> FakeNotionOAuth:
        return cast(FakeNotionOAuth, self.instance.built["notion_oauth"])

    @notion_oauth.setter
    def notion_oauth(self, value: NotionOAuth) -> None:
        self.instance.built["notion_oauth"] = value

    @property
    def model(self) -> FakeModel:
        return cast(FakeModel, self.instance.built["model"])

    @model.setter
    def model(self, value: Model) -> None:
        self.instance.built["model"] = value

    @property
    def code_host(self) -> FakeCodeAccounts:
        return cast(FakeCodeAccounts, self.instance.built["code_host"])

    @code_host.setter
    def code_host(self, value: CodeHost) -> None:
        self.instance.built["code_host"] = value

    @property
    def deployer(self) -> FakeCodeAccounts:
        return cast(FakeCodeAccounts, self.instance.built["deployer"])

    @deployer.setter
    def deployer(self, value: Deployer) -> None:
        self.instance.built["deployer"] = value

    @property
    def chat(self) -> FakeCodeAccounts:
        return cast(FakeCodeAccounts, self.instance.built["chat"])

    @chat.setter
    def chat(self, value: Chat) -> None:
        self.instance.built["chat"] = value


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
