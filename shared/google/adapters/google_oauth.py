"""Google's OAuth 2.0 endpoints over HTTPS (httpx). The authorization code exchanged at the token
endpoint with the client's secret and PKCE's verifier; the ``id_token`` verified with google-auth
against Google's keys (its signature, audience, expiry and issuer); RFC 7009's revocation at
``https://oauth2.googleapis.com/revoke``. Locally the URLs are the Gmail sandbox's."""

from __future__ import annotations

from typing import Any

from google.auth import exceptions as auth_exceptions
from google.auth.transport import requests as auth_requests
from google.oauth2 import id_token

from shared.platform.adapters.rest import RestClient
from shared.platform.errors import TransientError, Unauthenticated

ISSUERS = ("accounts.google.com", "https://accounts.google.com")
_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


class GoogleOAuthHttp:
    """``token_url``, ``revoke_url`` and ``certs_url``: Google's (or the sandbox's); the client's id
    and secret; each request's timeout."""

    def __init__(self, urls: tuple[str, str, str], client: tuple[str, str], timeout_s: float) -> None:
        self._token, self._revoke, self._certs = urls
        self._client, self._rest = client, RestClient("Google's OAuth endpoint", "", timeout_s)

    def _post(self, url: str, form: dict[str, str]) -> Any:
        answer = self._rest.send("POST", url, _FORM, "a token", data=form)
        if answer.status_code >= 500 or answer.status_code == 429:
            raise TransientError(f"Google's OAuth endpoint answered {answer.status_code}")
        return answer

    def exchange(self, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self._client[0],
            "client_secret": self._client[1],
            "code_verifier": verifier,
        }
        answer = self._post(self._token, form)
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if answer.status_code != 200 or not isinstance(body, dict):
            error = str(body.get("error", answer.status_code)) if isinstance(body, dict) else "refused"
            raise Unauthenticated(f"Google refused the authorization code ({error[:60]})")
        return body

    def account(self, token: str) -> str:
        try:
            claims = id_token.verify_token(
                token,
                auth_requests.Request(),
                audience=self._client[0],
                certs_url=self._certs,
                clock_skew_in_seconds=10,
            )
        except (ValueError, auth_exceptions.GoogleAuthError) as bad:
            raise Unauthenticated(f"Google's id_token does not hold: {str(bad)[:120]}") from None
        if claims.get("iss") not in ISSUERS or not claims.get("email_verified"):
            raise Unauthenticated("Google's id_token names no verified address of Google's")
        return str(claims.get("email", "")).strip().lower()

    def revoke(self, token: str) -> bool:
        answer = self._post(self._revoke, {"token": token})
        return bool(answer.status_code == 200)
