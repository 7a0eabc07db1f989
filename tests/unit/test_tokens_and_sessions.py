from collections.abc import Callable

import pytest

from shared.config import PlatformSecret
from shared.domain import signed_tokens
from shared.errors import Unauthenticated
from shared.services.sessions import start_session, tenant_of
from tests.fakes import FakeSecrets, FakeTenantStore

KEY = "k" * 32


def test_a_token_round_trips_its_claims() -> None:
    token = signed_tokens.sign({"purpose": "session", "tenant_id": "t1"}, KEY, 60)
    assert signed_tokens.verify(token, KEY, "session")["tenant_id"] == "t1"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "not genuine"),
        (lambda t: "x" + t, "not genuine"),
        (lambda t: t.split(".")[0], "not genuine"),
    ],
)
def test_a_tampered_token_is_refused(mangle: Callable[[str], str], reason: str) -> None:
    token = signed_tokens.sign({"purpose": "session", "tenant_id": "t1"}, KEY, 60)
    with pytest.raises(Unauthenticated, match=reason):
        signed_tokens.verify(mangle(token), KEY, "session")


def test_an_expired_token_or_one_for_another_purpose_is_refused() -> None:
    old = signed_tokens.sign({"purpose": "session"}, KEY, 60, now=1000.0)
    with pytest.raises(Unauthenticated, match="expired"):
        signed_tokens.verify(old, KEY, "session", now=1061.0)
    with pytest.raises(Unauthenticated, match="not for this use"):
        signed_tokens.verify(signed_tokens.sign({"purpose": "oauth_state"}, KEY, 60), KEY, "session")
    with pytest.raises(Unauthenticated):
        signed_tokens.verify(signed_tokens.sign({"purpose": "session"}, "other-key", 60), KEY, "session")


def test_sessions_name_their_tenant_and_need_the_bearer_scheme() -> None:
    secrets = FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: KEY})
    token, tenants = start_session("t9", secrets), FakeTenantStore()
    assert tenant_of(f"Bearer {token}", secrets, tenants) == "t9"
    for header in ("", token, f"Basic {token}", "Bearer "):
        with pytest.raises(Unauthenticated):
            tenant_of(header, secrets, tenants)
