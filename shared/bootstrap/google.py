"""Connect Google's part of the composition root (shared.google): Google's OAuth 2.0 endpoints with
the deployment's client, and the bundle that connects and disconnects mailboxes and calendars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built
from shared.platform.errors import Conflict

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.bootstrap.declare import Instance
    from shared.bootstrap.mail import Mail
    from shared.bootstrap.platform import Platform
    from shared.bootstrap.workspace import Workspace
    from shared.calendar.services.intake import CalendarIntake
    from shared.google.ports import GoogleOAuth
    from shared.google.services.connect import GoogleConnect


def _oauth(part: Google) -> GoogleOAuth:
    from shared.google.adapters.google_oauth import GoogleOAuthHttp
    from shared.platform.config import PlatformSecret

    s = part.instance.settings
    secret = part.platform.secrets.get(PlatformSecret.GOOGLE_OAUTH_CLIENT_SECRET)
    urls = (s.google_token_url, s.google_revoke_url, s.google_certs_url)
    return GoogleOAuthHttp(urls, (s.google_oauth_client_id, secret), s.gmail_timeout_s)


class Google:
    """Connect Google's port: Google's token and revoke endpoints (httpx, google-auth's id_token)."""

    google_oauth: Built[GoogleOAuth] = Built(
        "shared.google.adapters.google_oauth", ("google.oauth2.id_token", "httpx"), _oauth
    )

    def __init__(
        self,
        instance: Instance,
        platform: Platform,
        workspace: Workspace,
        mail: Mail,
        calendar: Callable[[], CalendarIntake],
    ) -> None:
        self.instance, self.platform, self._workspace = instance, platform, workspace
        self._mail, self._calendar = mail, calendar

    def connecting(self) -> GoogleConnect:
        """What Connect Google uses, as the settings configure it; 409 without a Google OAuth client."""
        from shared.google.services.connect import GoogleConnect, MailParts

        s = self.instance.settings
        if not s.google_oauth_client_id:
            raise Conflict(
                "this deployment has no Google OAuth client (its operator sets NA_GOOGLE_OAUTH_CLIENT_ID, "
                "docs/deploy.md)"
            )
        mail = MailParts(self._mail.gmail, self._mail.mailboxes, s.mail_topic) if s.mail_topic else None
        return GoogleConnect(
            self.google_oauth,
            self._workspace.oauth_states,
            self.platform.secrets,
            s.google_oauth_client_id,
            s.google_auth_url,
            s.api_url.rstrip("/") + "/google/oauth/callback",
            s.frontend_url,
            mail,
            self._calendar() if s.calendar_push_address else None,
        )
