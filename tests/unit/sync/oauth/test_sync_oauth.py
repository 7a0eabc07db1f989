"""OAuth 2 for Linear and GitLab, without a network: the signed state (expiry, the tenant, person and
tool it is bound to, forgery), PKCE (RFC 7636's example), the authorize URLs, refreshing before expiry,
revoking on disconnect, and the callback's refusals storing nothing."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.platform import errors
from shared.platform.config import PlatformSecret
from shared.sync.domain import oauth as domain
from shared.sync.domain.connection import key_secret
from shared.sync.services.oauth import (
    OAuthConnecting,
    OAuthParts,
    begin_oauth,
    complete_oauth,
    current_key,
    revoke_grant,
)
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.workspace_fakes import FakeOAuthStates

KEY = "s" * 40
T, M = "tenant-a", "member-a"
APPS = domain.apps_of(
    ("lin-client", "https://linear.app", "https://api.linear.app", True),
    ("gl-client", "https://gitlab.example"),
)


class FakeOAuth:
    """The token endpoints: counts calls; ``refuse`` makes them answer as to a bad grant."""

    def __init__(self) -> None:
        self.exchanges: list[tuple[str, str]] = []
        self.refreshes: list[str] = []
        self.revoked: list[str] = []
        self.refuse: type[errors.AgentError] | None = None
        self.n = 0

    def _answer(self) -> dict[str, Any]:
        if self.refuse is not None:
            raise self.refuse("refused")
        self.n += 1
        return {"access_token": f"at-{self.n}", "refresh_token": f"rt-{self.n}", "expires_in": 7200}

    def exchange(
        self, app: Any, secret: str, code: str, redirect_uri: str, code_verifier: str
    ) -> dict[str, Any]:
        self.exchanges.append((code, code_verifier))
        return self._answer()

    def refresh(self, app: Any, secret: str, refresh_token: str, redirect_uri: str) -> dict[str, Any]:
        self.refreshes.append(refresh_token)
        return self._answer()

    def revoke(self, app: Any, secret: str, token: str) -> None:
        if self.refuse is not None:
            raise self.refuse("down")
        self.revoked.append(token)


class Clock:
    t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def _parts() -> tuple[OAuthParts, FakeSecrets, FakeOAuth, Clock]:
    secrets = FakeSecrets(
        {
            PlatformSecret.SESSION_SIGNING_KEY: KEY,
            PlatformSecret.GITLAB_CLIENT_SECRET: "gl-secret",
            PlatformSecret.LINEAR_CLIENT_SECRET: "lin-secret",
        }
    )
    oauth, clock = FakeOAuth(), Clock()
    return (
        OAuthParts(secrets, oauth, APPS, lambda t: f"https://api.example/sync/{t}/oauth/callback", clock),
        secrets,
        oauth,
        clock,
    )


def _connecting(parts: OAuthParts, link: Any = None) -> tuple[OAuthConnecting, list[Any]]:
    linked: list[Any] = []

    def default(tenant: str, key: str, params: dict[str, Any]) -> dict[str, Any]:
        linked.append((tenant, key, params))
        parts.secrets.put(key_secret(tenant, "gitlab"), key)
        return {}

    return OAuthConnecting(
        parts, FakeOAuthStates(), "https://console.example/", link or default, dict
    ), linked


def _state(deps: OAuthConnecting) -> str:
    """The state of a new GitLab connect's authorize URL."""
    url = begin_oauth(T, M, "gitlab", {"project": "a/b"}, deps)["authorize_url"]
    return str(parse_qs(urlsplit(url).query)["state"][0])


def test_state_is_bound_to_tenant_person_and_tool_and_expires() -> None:
    _, state = domain.new_state(KEY, 1000.0, (T, M, "gitlab"), {"project": "a/b"})
    nonce, params = domain.checked_state(state, KEY, 1000.0 + 599, (T, M, "gitlab"))
    assert params == {"project": "a/b"} and len(nonce) >= 32
    for bound, words in (
        (("tenant-b", M, "gitlab"), "another person or workspace"),
        ((T, "member-b", "gitlab"), "another person or workspace"),
        ((T, M, "linear"), "another tool"),
    ):
        with pytest.raises(errors.InvalidInput, match=words):
            domain.checked_state(state, KEY, 1000.0, bound)  # type: ignore[arg-type]  # the tool varies
    with pytest.raises(errors.InvalidInput, match="not valid"):
        domain.checked_state(state, KEY, 1000.0 + 601, (T, M, "gitlab"))  # expired
    with pytest.raises(errors.InvalidInput, match="not valid"):
        domain.checked_state(state, "another key" * 4, 1000.0, (T, M, "gitlab"))  # forged
    body, _, mac = state.partition(".")
    with pytest.raises(errors.InvalidInput, match="not valid"):
        domain.checked_state(body + "x." + mac, KEY, 1000.0, (T, M, "gitlab"))  # tampered
    with pytest.raises(errors.InvalidInput, match="lacks its state"):
        domain.checked_state("", KEY, 1000.0, (T, M, "gitlab"))


def test_pkce_follows_rfc_7636() -> None:
    assert (
        domain.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    one, again, other = domain.verifier(KEY, "n1"), domain.verifier(KEY, "n1"), domain.verifier(KEY, "n2")
    assert one == again != other and len(one) == 43 and domain.verifier("other" * 8, "n1") != one


def test_authorize_urls_carry_the_documented_parameters() -> None:
    linear = parse_qs(urlsplit(domain.authorize_url(APPS["linear"], "https://cb", "st", "ch")).query)
    assert urlsplit(domain.authorize_url(APPS["linear"], "https://cb", "st", "ch")).path == "/oauth/authorize"
    assert linear == {
        "client_id": ["lin-client"],
        "redirect_uri": ["https://cb"],
        "response_type": ["code"],
        "scope": ["read,write"],
        "state": ["st"],
        "code_challenge": ["ch"],
        "code_challenge_method": ["S256"],
        "actor": ["app"],
    }
    assert APPS["linear"].token_url == "https://api.linear.app/oauth/token"
    assert APPS["linear"].revoke_url == "https://api.linear.app/oauth/revoke"
    assert APPS["gitlab"].authorize_url == "https://gitlab.example/oauth/authorize"
    assert APPS["gitlab"].scope == "api" and domain.apps_of(("", "", "", False), ("", "")) == {}


def test_begin_needs_the_tools_app_and_writes_nothing() -> None:
    parts, secrets, _, _ = _parts()
    deps, _ = _connecting(parts._replace(apps={}))
    before = dict(secrets.values)
    with pytest.raises(errors.Conflict, match="no GitLab OAuth app"):
        begin_oauth(T, M, "gitlab", {}, deps)
    url = begin_oauth(T, M, "gitlab", {"project": "a/b"}, _connecting(parts)[0])["authorize_url"]
    assert url.startswith("https://gitlab.example/oauth/authorize?") and secrets.values == before


def test_callback_refusals_store_nothing() -> None:
    parts, secrets, oauth, clock = _parts()
    deps, linked = _connecting(parts)
    state = _state(deps)
    before = dict(secrets.values)
    clock.t += 601
    with pytest.raises(errors.InvalidInput, match="not valid"):  # expired
        complete_oauth(T, M, "gitlab", {"state": state, "code": "c1"}, deps)
    clock.t -= 601
    with pytest.raises(errors.InvalidInput, match="code"):  # a code that is no code: the state stays usable
        complete_oauth(T, M, "gitlab", {"state": state, "code": "bad code"}, deps)
    oauth.refuse = errors.Unauthenticated  # the code was used before, or expired
    with pytest.raises(errors.InvalidInput, match="refused the authorization code"):
        complete_oauth(T, M, "gitlab", {"state": state, "code": "c1"}, deps)
    oauth.refuse = None
    with pytest.raises(errors.InvalidInput, match="already used"):
        complete_oauth(T, M, "gitlab", {"state": state, "code": "c1"}, deps)
    assert secrets.values == before and linked == [] and oauth.revoked == []


def test_a_declined_consent_goes_to_the_console() -> None:
    parts, _, oauth, _ = _parts()
    deps, linked = _connecting(parts)
    state = _state(deps)
    where = complete_oauth(T, M, "gitlab", {"state": state, "error": "access_denied"}, deps)
    assert where == "https://console.example/#sync=gitlab&connected=false&error=access_denied"
    assert oauth.exchanges == [] and linked == []


def test_callback_exchanges_with_the_verifier_and_a_failed_connect_revokes() -> None:
    parts, secrets, oauth, _ = _parts()
    deps, linked = _connecting(parts)
    url = begin_oauth(T, M, "gitlab", {"project": "a/b"}, deps)["authorize_url"]
    query = parse_qs(urlsplit(url).query)
    assert complete_oauth(T, M, "gitlab", {"state": query["state"][0], "code": "c1"}, deps).endswith(
        "connected=true"
    )
    code, code_verifier = oauth.exchanges[0]
    assert code == "c1" and domain.challenge(code_verifier) == query["code_challenge"][0]
    assert linked == [(T, "at-1", {"project": "a/b"})]
    assert domain.Grant.load(secrets.get(domain.oauth_secret(T, "gitlab"))).refresh_token == "rt-1"

    def refused(tenant: str, key: str, params: dict[str, Any]) -> dict[str, Any]:
        raise errors.InvalidInput("GitLab refused to make the project's webhook")

    failing, _ = _connecting(parts, refused)
    state = _state(failing)
    secrets.delete(domain.oauth_secret(T, "gitlab"))
    with pytest.raises(errors.InvalidInput, match="webhook"):
        complete_oauth(T, M, "gitlab", {"state": state, "code": "c2"}, failing)
    assert oauth.revoked == ["at-2"] and domain.oauth_secret(T, "gitlab") not in secrets.values


def test_a_token_is_refreshed_before_it_expires_and_the_rotated_grant_kept() -> None:
    parts, secrets, oauth, clock = _parts()
    secrets.put(key_secret(T, "linear"), "lin_api_key")
    assert current_key(T, "linear", secrets, parts) == "lin_api_key"  # a key: no grant, no refresh
    secrets.put(key_secret(T, "gitlab"), "at-0")
    secrets.put(
        domain.oauth_secret(T, "gitlab"), domain.Grant(refresh_token="rt-0", expires_at=clock.t + 7200).dump()
    )
    assert current_key(T, "gitlab", secrets, parts) == "at-0" and oauth.refreshes == []
    clock.t += 7200 - 299  # within five minutes of the expiry
    assert current_key(T, "gitlab", secrets, parts) == "at-1" and oauth.refreshes == ["rt-0"]
    grant = domain.Grant.load(secrets.get(domain.oauth_secret(T, "gitlab")))
    assert grant.refresh_token == "rt-1" and grant.expires_at == clock.t + 7200
    assert secrets.get(key_secret(T, "gitlab")) == "at-1"
    clock.t += 7200
    oauth.refuse = errors.Unauthenticated
    with pytest.raises(errors.Unauthenticated, match="reconnect GitLab"):
        current_key(T, "gitlab", secrets, parts)


def test_revoke_on_disconnect_deletes_ours_even_when_it_fails() -> None:
    parts, secrets, oauth, _ = _parts()
    assert revoke_grant(T, "gitlab", secrets, parts) is None  # connected with a key
    for refuse, revoked in ((None, True), (errors.TransientError, False)):
        oauth.refuse = refuse
        secrets.put(key_secret(T, "linear"), "Bearer at-9")
        secrets.put(domain.oauth_secret(T, "linear"), domain.Grant(refresh_token="rt-9").dump())
        assert revoke_grant(T, "linear", secrets, parts) is revoked
        assert domain.oauth_secret(T, "linear") not in secrets.values
    assert oauth.revoked == ["at-9"]  # Linear's token without its "Bearer "
