"""The entry points over fakes: a ``FakeContainer`` (the composition root with every port a fake),
the ``fakes`` fixture and a Flask test ``client`` of a function."""

from typing import Any

import pytest
from flask.testing import FlaskClient

from functions._http import app
from shared.bootstrap import PORTS, Container
from shared.config import PlatformSecret, Settings
from tests.engine_fakes import FakeModel, FakeNotion
from tests.fakes import (
    FakeApiKeys,
    FakeCodeAccounts,
    FakeDeadLetters,
    FakeNotificationLog,
    FakeNotifier,
    FakeNotionOAuth,
    FakeOAuthStates,
    FakeQueue,
    FakeRunStore,
    FakeSecrets,
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
        "webhook_events": FakeWebhookEvents(),
        "dead_letters": FakeDeadLetters(),
        "api_keys": FakeApiKeys(),
        "notion_oauth": FakeNotionOAuth(),
        "notion": FakeNotion(),
        "model": FakeModel(),
        "code_host": FakeCodeAccounts("GitHub"),
        "deployer": FakeCodeAccounts("Vercel"),
        "chat": FakeCodeAccounts("Slack"),
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


@pytest.fixture
def fakes() -> FakeContainer:
    return FakeContainer()


def client(target: str, container: Container) -> FlaskClient:
    """functions-framework's app of ``target``, answering from ``container``."""
    return app(target, container).test_client()


PLAN_BODY = {"tenant_id": "t1", "run_id": "r1", "goal": "Say hello", "trigger": {"kind": "manual"}}
