"""The check of Pub/Sub's push identity: the ``Authorization: Bearer`` ID token verified with
google-auth's ``id_token.verify_token`` (signature against the certs URL's keys, expiry, audience),
then its issuer (Google's), its verified email (the push subscription's invoker) as Google documents
for authenticated push. Locally the certs URL is the sandbox signer's: the same checks, its keys."""

from __future__ import annotations

from collections.abc import Mapping

from google.auth import exceptions as auth_exceptions
from google.auth.transport import requests as auth_requests
from google.oauth2 import id_token

from shared.platform.errors import Forbidden, Unauthenticated

ISSUERS = ("accounts.google.com", "https://accounts.google.com")


class GoogleOidc:
    """``audience``: the push endpoint's (the subscription's ``oidc_token.audience``); ``invoker``:
    the service account Pub/Sub signs as; ``certs_url``: Google's, or the sandbox's."""

    def __init__(self, certs_url: str, audience: str, invoker: str) -> None:
        self._certs, self._audience, self._invoker = certs_url, audience, invoker.lower()
        self._request = auth_requests.Request()

    def verify(self, headers: Mapping[str, str]) -> None:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise Unauthenticated("a push must carry Pub/Sub's OIDC token (Authorization: Bearer)")
        try:
            claims = id_token.verify_token(
                auth[7:].strip(),
                self._request,
                audience=self._audience,
                certs_url=self._certs,
                clock_skew_in_seconds=10,
            )
        except (ValueError, auth_exceptions.GoogleAuthError) as bad:
            raise Unauthenticated(f"the push's OIDC token does not hold: {str(bad)[:120]}") from None
        if claims.get("iss") not in ISSUERS:
            raise Unauthenticated("the push's OIDC token was not issued by Google")
        if not claims.get("email_verified") or str(claims.get("email", "")).lower() != self._invoker:
            raise Forbidden("the push's OIDC token names another identity than this subscription's invoker")
