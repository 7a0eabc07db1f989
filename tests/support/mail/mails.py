"""Mails as Gmail receives them for the mail tests: a member's, with the Authentication-Results Gmail
adds on receipt, and Pub/Sub's push body for a Gmail notification."""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage
from email.utils import make_msgid

AGENT = "scribe@acme.example"
type File = tuple[str, str, bytes]  # an attachment: its name, MIME type and bytes
DMARC_PASS = "mx.google.com; dkim=pass header.i=@{d}; spf=pass smtp.mailfrom={a}; dmarc=pass (p=REJECT) header.from={d}"
DMARC_FAIL = "mx.google.com; dkim=fail header.i=@{d}; spf=softfail smtp.mailfrom=mallory@evil.example; dmarc=fail (p=NONE) header.from={d}"


def mail(
    sender: str, subject: str, text: str, *, auth: str = DMARC_PASS, attachments: tuple[File, ...] = ()
) -> EmailMessage:
    """A mail from ``sender`` to the agent with Gmail's ``Authentication-Results`` (``auth``, formatted
    with the sender's domain and address) on top."""
    domain = sender.rpartition("@")[2]
    msg = EmailMessage()
    if auth:
        msg["Authentication-Results"] = auth.format(d=domain, a=sender)
    msg["From"], msg["To"], msg["Subject"] = sender, AGENT, subject
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(text)
    for name, kind, data in attachments:
        main, _, sub = kind.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg


def push(address: str, history_id: int, message_id: str = "1") -> bytes:
    """Pub/Sub's push body for Gmail's notification (``message.data``: base64 of emailAddress and historyId)."""
    data = base64.b64encode(json.dumps({"emailAddress": address, "historyId": history_id}).encode()).decode()
    return json.dumps(
        {
            "message": {
                "data": data,
                "messageId": message_id,
                "message_id": message_id,
                "publishTime": "2026-11-29T08:00:00.000Z",
                "publish_time": "2026-11-29T08:00:00.000Z",
                "attributes": {},
            },
            "subscription": "projects/na-local/subscriptions/gmail-push",
        }
    ).encode()
