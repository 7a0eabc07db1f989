"""Shared by several test modules: helpers first written for ``tests/unit/notion/test_connection_services.py``."""

from urllib.parse import parse_qs, urlsplit

from shared.notion.services.connect import Connecting, begin_connect, complete_connect
from shared.platform.errors import Unauthenticated
from shared.team.services.sessions import principal_of
from tests.support.notion.notion_fakes import FakeNotionOAuth
from tests.support.workspace.connection_ownership import connect_flow
from tests.support.workspace.workspace_fakes import FakeOAuthStates, FakeTenantStore

KEY = "k" * 32


def deps() -> Connecting:
    settings, secrets = connect_flow()
    return Connecting(settings, secrets, FakeOAuthStates(), FakeTenantStore(), FakeNotionOAuth())


def connect(d: Connecting, code: str = "good-code") -> tuple[str, dict[str, str]]:
    """The redirect's URL, and its fragment's outcome plus, after a connect, the ``session`` set as
    the cookie and its ``tenant_id`` (what the console learns from ``GET /session``)."""
    start = begin_connect(d)
    state = parse_qs(urlsplit(start.authorize_url).query)["state"][0]
    outcome = complete_connect({"code": code, "state": state}, start.nonce, d)
    fragment = {k: v[0] for k, v in parse_qs(urlsplit(outcome.location).fragment).items()}
    if outcome.session:
        tenant_id = principal_of(f"Bearer {outcome.session}", d.secrets, d.tenants).tenant_id
        fragment |= {"session": outcome.session, "tenant_id": tenant_id}
    return outcome.location, fragment


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
