"""Mail's part of the composition root (agents' mailboxes: shared.mail): where mailboxes are kept,
Gmail as the deployment's Google OAuth client reaches it, and the check of Pub/Sub's push tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built
from shared.platform.errors import NotFound

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.platform import Platform
    from shared.mail.ports import Gmail, Mailboxes, PushVerifier


def _gmail(part: Mail) -> Gmail:
    from shared.mail.adapters.gmail_api import GmailApi
    from shared.platform.config import PlatformSecret

    s = part.instance.settings
    if not s.google_oauth_client_id:
        raise NotFound("this deployment has no Google OAuth client for mailboxes (docs/mail.md)")
    secret = part.platform.secrets.get(PlatformSecret.GOOGLE_OAUTH_CLIENT_SECRET)
    return GmailApi(
        s.gmail_api_url, s.google_token_url, s.google_oauth_client_id, secret, int(s.gmail_timeout_s)
    )


def _verifier(part: Mail) -> PushVerifier:
    from shared.mail.adapters.oidc import GoogleOidc

    s = part.instance.settings
    if not (s.mail_push_audience and s.mail_push_invoker):
        raise NotFound("this deployment takes no Gmail pushes (docs/mail.md)")
    return GoogleOidc(s.google_certs_url, s.mail_push_audience, s.mail_push_invoker)


class Mail:
    """Mail's ports: ``mail_mailboxes`` in Firestore, Gmail through google-api-python-client, and
    Pub/Sub's push tokens checked with google-auth."""

    mailboxes: Built[Mailboxes] = Built.firestore(
        "shared.mail.adapters.firestore_mailboxes", "FirestoreMailboxes"
    )
    gmail: Built[Gmail] = Built("shared.mail.adapters.gmail_api", ("googleapiclient.discovery",), _gmail)
    push_verifier: Built[PushVerifier] = Built(
        "shared.mail.adapters.oidc", ("google.oauth2.id_token",), _verifier
    )

    def __init__(self, instance: Instance, platform: Platform) -> None:
        self.instance, self.platform = instance, platform
