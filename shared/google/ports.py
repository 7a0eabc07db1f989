"""The port of the google capability: Google's OAuth 2.0 endpoints as Connect Google uses them (for
type checking only)."""

from __future__ import annotations

from typing import Any, Protocol


class GoogleOAuth(Protocol):
    """Google's token and revoke endpoints, with the deployment's OAuth client."""

    def exchange(self, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        """The token answer for an authorization code; Unauthenticated when Google refuses it,
        TransientError when Google cannot be reached."""
        ...

    def account(self, id_token: str) -> str:
        """The verified address an ``id_token`` of this client names; Unauthenticated otherwise."""
        ...

    def revoke(self, token: str) -> bool:
        """End the grant of ``token`` at Google: True, or False when Google knew it no more (already
        revoked or expired); TransientError when Google cannot be reached."""
        ...
