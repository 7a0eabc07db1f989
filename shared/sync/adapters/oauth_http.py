"""The token and revoke endpoints of Linear's and GitLab's OAuth 2 apps (form-encoded POSTs, RFC 6749
and 7009), over httpx. A refused code or refresh token (400/401) is Unauthenticated, a 5xx or no
answer a TransientError. No error carries a token, a code, the client secret or a reply's body."""

from __future__ import annotations

from typing import Any

from shared.platform.adapters.rest import RestClient
from shared.platform.errors import PermanentError, TransientError, Unauthenticated
from shared.sync.domain.connection import TOOL_NAMES
from shared.sync.domain.oauth import OAuthApp

_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


class OAuthHttp:
    """:class:`shared.sync.ports.SyncOAuth` over httpx."""

    def __init__(self, timeout_s: float, client: Any = None) -> None:
        self._rest = RestClient("OAuth", "", timeout_s, client)

    def _post(self, app: OAuthApp, url: str, form: dict[str, str], name: str, headers: dict[str, str]) -> Any:
        response = self._rest.send("POST", url, _FORM | headers, name, data=form)
        tool = TOOL_NAMES[app.tool]
        if response.status_code in (400, 401, 403):
            error = _error_code(response)
            raise Unauthenticated(f"{tool} refused the {name} ({error})")
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"{tool}'s {name} failed (HTTP {response.status_code})")
        if response.status_code >= 300:
            raise PermanentError(f"{tool}'s {name} answered HTTP {response.status_code}")
        try:
            return response.json() if response.content else {}
        except ValueError:
            raise PermanentError(f"{tool}'s {name} answered no JSON") from None

    def exchange(
        self, app: OAuthApp, secret: str, code: str, redirect_uri: str, code_verifier: str
    ) -> dict[str, Any]:
        """The token endpoint's answer for an authorization code (with PKCE's verifier)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": app.client_id,
            "client_secret": secret,
            "code_verifier": code_verifier,
        }
        return _object(self._post(app, app.token_url, form, "code exchange", {}), app)

    def refresh(self, app: OAuthApp, secret: str, refresh_token: str, redirect_uri: str) -> dict[str, Any]:
        """The token endpoint's answer for a refresh token (GitLab's and Linear's rotate it)."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "redirect_uri": redirect_uri,
            "client_id": app.client_id,
            "client_secret": secret,
        }
        return _object(self._post(app, app.token_url, form, "token refresh", {}), app)

    def revoke(self, app: OAuthApp, secret: str, token: str) -> None:
        """Revoke ``token`` (the access token; its refresh token goes with it)."""
        form = {
            "token": token,
            "token_type_hint": "access_token",
            "client_id": app.client_id,
            "client_secret": secret,
        }
        headers = (
            {"Authorization": f"Bearer {token}"} if app.tool == "linear" else {}
        )  # Linear's documented form
        self._post(app, app.revoke_url, form, "token revocation", headers)


def _error_code(response: Any) -> str:
    """The OAuth ``error`` code of a refusal (a short word, nothing of the request)."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    return (
        error
        if isinstance(error, str) and error.isidentifier() and len(error) <= 40
        else f"HTTP {response.status_code}"
    )


def _object(answer: Any, app: OAuthApp) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise PermanentError(f"{TOOL_NAMES[app.tool]}'s token endpoint answered no object")
    return answer
