"""Shared by several test modules: helpers first written for ``tests/unit/test_connection_services.py``."""

from urllib.parse import parse_qs, urlsplit

from shared.config import PlatformSecret, Settings
from shared.errors import Unauthenticated
from shared.services.connect import Connecting, begin_connect, complete_connect
from tests.fakes import (
    FakeNotionOAuth,
    FakeOAuthStates,
    FakeSecrets,
    FakeTenantStore,
)

KEY = "k" * 32


def deps() -> Connecting:
    secrets = FakeSecrets(
        {
            PlatformSecret.SESSION_SIGNING_KEY: KEY,
            PlatformSecret.NOTION_CLIENT_ID: "client-id",
            PlatformSecret.NOTION_CLIENT_SECRET: "client-secret",
        }
    )
    settings = Settings(
        notion_api_base_url="https://notion.test",
        oauth_callback_url="https://cb.test/",
        frontend_url="https://app.test",
    )
    return Connecting(settings, secrets, FakeOAuthStates(), FakeTenantStore(), FakeNotionOAuth())


def connect(d: Connecting, code: str = "good-code") -> tuple[str, dict[str, str]]:
    start = begin_connect(d)
    state = parse_qs(urlsplit(start.authorize_url).query)["state"][0]
    url = complete_connect({"code": code, "state": state}, start.nonce, d)
    fragment = {k: v[0] for k, v in parse_qs(urlsplit(url).fragment).items()}
    return url, fragment


class FakeNotion:
    """Accepts only the tokens listed as valid."""

    def __init__(self, valid: set[str]) -> None:
        self.valid = valid
        self.seen: list[str] = []

    def __call__(self, token: str) -> str:
        self.seen.append(token)
        if token not in self.valid:
            raise Unauthenticated("Notion refused the token")
        return f"ok with {token}"
