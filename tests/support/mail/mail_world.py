"""A workspace of Ada (owner) and Bo (editor) whose agent "scribe" has the Gmail sandbox's mailbox
connected, as a fixture: the intake, the sandbox and its push signer, the queue and the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from local.gmail_sandbox.app import CLIENT_ID, CLIENT_SECRET, serve
from shared.mail.adapters.firestore_mailboxes import FirestoreMailboxes
from shared.mail.adapters.gmail_api import GmailApi
from shared.mail.adapters.oidc import GoogleOidc
from shared.mail.services.connect import connect_mailbox
from shared.mail.services.intake import MailIntake
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore, FirestoreWebhookEvents
from shared.workspace.domain.members import Member
from tests.support.mail.mails import AGENT
from tests.support.platform.fake_container import FakeContainer
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.workspace.firestore_tenants import NOW, tenant

OWNER, EDITOR = "ada@acme.example", "bo@acme.example"
AUDIENCE = "https://api.acme.example/mail/push"
INVOKER = "gmail-push@na-local.iam.gserviceaccount.com"
REFRESH = "1//sandbox-refresh-scribe"
TOPIC = "projects/na-local/topics/gmail"


def _mail_world(firestore_db: Any) -> Iterator[dict[str, Any]]:
    """The workspace saved and the mailbox connected, the Gmail sandbox served until the block ends."""
    tenants = FirestoreTenantStore(firestore_db)
    editor = Member(member_id="m-bo", notion_user_id="u-bo", email=EDITOR, role="editor", added_at=NOW)
    one = tenant("ws-mail", owner_user_id="u-ada", owner_email=OWNER, members=[editor])
    tenants.save(one)
    sandbox, server = serve()
    sandbox.connect(AGENT, REFRESH)
    gmail = GmailApi(server.url, server.url + "/token", CLIENT_ID, CLIENT_SECRET, 30)
    mailboxes, secrets, queue = FirestoreMailboxes(firestore_db), FakeSecrets({}), FakeQueue()
    connect_mailbox(
        AGENT,
        one.tenant_id,
        "scribe",
        REFRESH,
        topic=TOPIC,
        gmail=gmail,
        mailboxes=mailboxes,
        secrets=secrets,
    )
    intake = MailIntake(
        verifier=GoogleOidc(server.url + "/oauth2/v1/certs", AUDIENCE, INVOKER),
        mailboxes=mailboxes,
        gmail=gmail,
        secrets=secrets,
        tenants=tenants,
        ledger=FirestoreWebhookEvents(firestore_db),
        queue=queue,
        console_url="http://127.0.0.1:8080",
        reply_domain="agents.acme.example",
    )
    try:
        yield {"intake": intake, "sandbox": sandbox, "tenant": one, "db": firestore_db, "queue": queue}
    finally:
        server.stop()


mail_world = pytest.fixture(_mail_world, name="mail_world")  # for a test
opened_mail_world = contextmanager(_mail_world)  # for a benchmark, outside pytest


def mail_container(world: dict[str, Any]) -> FakeContainer:
    """The composition root of an api answering ``POST /mail/push`` from the world's intake: its
    mailboxes, Gmail, verifier, tenants, ledger, and the secrets that keep the refresh token."""
    intake: MailIntake = world["intake"]
    mail: dict[str, Any] = {"mailboxes": intake.mailboxes, "gmail": intake.gmail}
    fakes = FakeContainer(
        tenants=intake.tenants, webhook_events=intake.ledger, push_verifier=intake.verifier, **mail
    )
    fakes.secrets = intake.secrets  # the mailbox's refresh token, as connecting it kept it
    return fakes


def bearer(world: dict[str, Any], **claims: Any) -> dict[str, str]:
    """The headers of Pub/Sub's push: an OIDC token for the endpoint, as the invoker (``claims`` override)."""
    fields = {"aud": AUDIENCE, "email": INVOKER} | claims
    audience, email = fields.pop("aud"), fields.pop("email")
    token = world["sandbox"].signer.token(audience, email, **fields)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
