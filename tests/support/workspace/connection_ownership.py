"""Shared by several test modules: helpers first written for ``tests/unit/workspace/test_connection_ownership.py``."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.platform.config import PlatformSecret, Settings
from shared.workspace.domain.connecting.connection import NONCE_COOKIE, NotionTokens, session_cookie
from shared.workspace.domain.connecting.notion_grant import NotionGrant
from shared.workspace.domain.tenants import tenant_id_for
from tests.support.notion.notion_fakes import FakeNotionOAuth
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.team.session_cookies import cookie_set

TENANT = tenant_id_for("ws-1")


ADA = ("user-1", "ada@example.com")


BOB = ("user-2", "bob@example.com")


@dataclass
class PeopleOAuth(FakeNotionOAuth):
    """Grants to whichever Notion user ``person`` (id, email) says went through the flow."""

    person: tuple[str, str] = ADA

    def _grant(self) -> NotionGrant:
        user_id, email = self.person
        owner = {"type": "user", "user": {"id": user_id, "person": {"email": email}}}
        return super()._grant()._replace(owner=owner)


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return people_container()


def connect_flow(**settings: Any) -> tuple[Settings, FakeSecrets]:
    """The connect flow's settings (Notion, the OAuth callback and the console on test hosts, then
    ``settings``) and its secrets (the session key ``"k" * 32``, the Notion OAuth client)."""
    secrets = FakeSecrets(
        {
            PlatformSecret.SESSION_SIGNING_KEY: "k" * 32,
            PlatformSecret.NOTION_CLIENT_ID: "client-id",
            PlatformSecret.NOTION_CLIENT_SECRET: "client-secret",
        }
    )
    config = Settings(
        notion_api_base_url="https://notion.test",
        oauth_callback_url="https://cb.test/",
        frontend_url="https://app.test",
        **settings,
    )
    return config, secrets


def people_container(settings: dict[str, Any] | None = None, **ports: Any) -> FakeContainer:
    """The api over fakes whose Notion OAuth grants to whoever :func:`connect_as` names, with
    ``settings`` beyond the connect flow's own and ``ports`` in place of the fakes'."""
    config, secrets = connect_flow(**(settings or {}))
    defaults: dict[str, Any] = {"secrets": secrets, "notion_oauth": PeopleOAuth()}
    return FakeContainer(config, **(defaults | ports))


def connect_as(fakes: FakeContainer, person: tuple[str, str], code: str, invite: str = "") -> dict[str, str]:
    """``person`` goes through the whole flow (with an ``invite`` code, as the console sends one);
    the outcome the frontend gets in the fragment, plus after a connect or sign-in the ``session``
    its cookie holds and the ``tenant_id`` and ``role`` ``GET /session`` names."""
    oauth = fakes.notion_oauth
    assert isinstance(oauth, PeopleOAuth)
    oauth.person = person
    oauth.codes.add(code)
    api = client("api", fakes)
    start = api.get("/connect", headers={"X-Invite-Code": invite} if invite else {})
    assert start.status_code == 200 and start.json is not None
    cookie = api.get_cookie(NONCE_COOKIE)
    assert cookie is not None
    state = parse_qs(urlsplit(start.json["authorize_url"]).query)["state"][0]
    callback = client("oauth_callback", fakes)
    callback.set_cookie(NONCE_COOKIE, cookie.value)
    answer = callback.get("/", query_string={"code": code, "state": state})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    outcome = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).fragment).items()}
    if outcome["connected"] != "true":
        return outcome
    name = session_cookie(fakes.settings.frontend_url).name
    session = cookie_set(answer.headers.getlist("Set-Cookie"), name).value
    api.set_cookie(name, session)  # as the browser keeps it (the test client's jar overrides a header)
    me = api.get("/session")
    assert me.status_code == 200 and me.json is not None, me.get_data(as_text=True)
    return outcome | {"session": session, "tenant_id": me.json["tenant_id"], "role": me.json["role"]}


def settings_status(c: FakeContainer, session: str) -> int:
    return client("api", c).get("/settings", headers={"Authorization": f"Bearer {session}"}).status_code


def disconnect_status(c: FakeContainer, session: str) -> int:
    """The status ``DELETE /connection`` answers the person of ``session``."""
    return client("api", c).delete("/connection", headers={"Authorization": f"Bearer {session}"}).status_code


def stored_access(fakes: FakeContainer) -> str:
    """The access token of the connection the tenant names."""
    tenant = fakes.tenants.get(TENANT)
    assert tenant is not None
    return NotionTokens.load(fakes.secrets.get(tenant.token_secret)).access_token


def token_secrets(secrets: FakeSecrets) -> list[str]:
    """The names of the workspace's Notion token secrets, of every connection."""
    return sorted(name for name in secrets.values if name.startswith(f"notion-token-{TENANT}"))
