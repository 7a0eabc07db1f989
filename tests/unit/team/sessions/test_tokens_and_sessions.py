import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest

from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.platform.errors import Unauthenticated
from shared.team.services.sessions import principal_of, start_session
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.connection_ownership import fakes
from tests.support.workspace.workspace_fakes import FakeTenantStore

__all__ = ["fakes"]  # the fixture: the fakes' session-signing key is KEY

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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_as_we_sign(payload: bytes, key: str = KEY) -> str:
    """``payload`` (any bytes) as the body of a token whose MAC ``key`` makes: genuine, whatever it holds."""
    body = _b64(payload)
    return f"{body}.{_b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())}"


@pytest.mark.parametrize(
    "payload", [b"not json", b"\xff\xfe", b"[1, 2]", b'"a string"', b"[" * 100_000, b'{"purpose": ']
)
def test_a_token_whose_payload_is_not_a_json_object_is_refused_cleanly(payload: bytes) -> None:
    with pytest.raises(Unauthenticated, match="the token is malformed"):
        signed_tokens.verify(signed_as_we_sign(payload), KEY, "session")
    with pytest.raises(Unauthenticated, match="the token is not genuine"):
        signed_tokens.verify(signed_as_we_sign(payload, "another-key"), KEY, "session")
    with pytest.raises(Unauthenticated, match="the token is not genuine"):
        signed_tokens.verify(_b64(payload) + ".AAAA", KEY, "session")


def test_nothing_of_a_token_is_decoded_or_parsed_before_its_mac_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[Any] = []
    real_loads, real_unb64 = json.loads, signed_tokens._unb64

    def loads(text: Any, *args: Any, **kw: Any) -> Any:
        parsed.append(text)
        return real_loads(text, *args, **kw)

    def unb64(text: str) -> bytes:
        parsed.append(text)
        return real_unb64(text)

    monkeypatch.setattr(json, "loads", loads)
    monkeypatch.setattr(signed_tokens, "_unb64", unb64)
    claims = json.dumps({"purpose": "session", "tenant_id": "t1", "exp": 2**40}).encode()
    for forged in (signed_as_we_sign(claims, "another-key"), _b64(claims), _b64(claims) + ".", "x.y"):
        with pytest.raises(Unauthenticated, match="not genuine"):
            signed_tokens.verify(forged, KEY, "session")
    assert parsed == []
    assert signed_tokens.verify(signed_as_we_sign(claims), KEY, "session")["tenant_id"] == "t1"
    assert parsed  # the same spies see a genuine token parsed: they were in place


def test_a_genuine_token_names_the_key_version_that_signed_it() -> None:
    ring = json.dumps({"current": "2", "keys": {"1": "one-" + "x" * 40, "2": "two-" + "x" * 40}})
    claims = {"purpose": "session", "exp": 2**40}
    signed_by_1 = json.dumps(claims | {"kid": "1"}).encode()
    assert (
        signed_tokens.verify(signed_as_we_sign(signed_by_1, "one-" + "x" * 40), ring, "session")["kid"] == "1"
    )
    with pytest.raises(Unauthenticated):  # version 2's MAC on a body naming version 1
        signed_tokens.verify(signed_as_we_sign(signed_by_1, "two-" + "x" * 40), ring, "session")


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
    assert principal_of(f"Bearer {token}", secrets, tenants).tenant_id == "t9"
    for header in ("", token, f"Basic {token}", "Bearer "):
        with pytest.raises(Unauthenticated):
            principal_of(header, secrets, tenants)


@pytest.mark.parametrize("payload", [b"not json", b"[1]", b"\xff"])
def test_the_entry_points_refuse_such_a_token_with_a_401(fakes: FakeContainer, payload: bytes) -> None:
    """A session, a decision link and a confirmation link whose body is not a JSON object: 401 with a
    reason, whether its MAC is ours (``KEY`` is the fakes' signing key) or not; never a 500."""
    for key in (KEY, "another-key"):
        token = signed_as_we_sign(payload, key)
        api = client("api", fakes)
        answers = [
            api.get("/settings", headers={"Authorization": f"Bearer {token}"}),
            api.post("/links/preview", json={"token": token}),
            api.post("/email-confirmations/preview", json={"token": token}),
        ]
        for answer in answers:
            assert answer.status_code == 401 and answer.json is not None, answer.get_data(as_text=True)
            assert "the token is " in answer.json["reason"]
