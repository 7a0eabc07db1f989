"""The Gmail sandbox as a person uses it on ``make stack`` (``/_sandbox/gmail/screen``): a member writes a
mail to a connected mailbox (the agent's address), which arrives as Gmail receives it (its
``Authentication-Results`` saying whether the sender's domain signed it, a ``Message-ID`` and a
``Date``) through :meth:`GmailSandbox.deliver`, so a watched inbox's arrival is published; and each
mailbox's threads, oldest message first, the agent's replies in them."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any

from werkzeug.wrappers import Response

from local.gmail_sandbox import accounts
from local.gmail_sandbox.app import GmailSandbox

PATH = "/_sandbox/gmail/screen"
MAX_TEXT = 20_000


def received(sender: str, to: str, subject: str, text: str, signed: bool) -> EmailMessage:
    """The mail as Gmail keeps it on receipt: ``signed``, the sender's domain passed DKIM, SPF and
    DMARC at Gmail (``mx.google.com``'s ``Authentication-Results``); else none of them passed."""
    sender, to, subject = sender.strip(), to.strip(), " ".join(subject.split())
    domain = sender.rpartition("@")[2]
    if not domain or "@" not in to or not subject or not text.strip() or len(text) > MAX_TEXT:
        raise accounts.ScreenRefusal(
            f"a mail needs a sender's and a recipient's address, a subject and a text (at most {MAX_TEXT} characters)"
        )
    message = EmailMessage()
    message["Authentication-Results"] = (
        f"mx.google.com; dkim=pass header.i=@{domain}; spf=pass smtp.mailfrom={sender}; "
        f"dmarc=pass (p=REJECT) header.from={domain}"
        if signed
        else f"mx.google.com; dkim=none; spf=softfail smtp.mailfrom={sender}; dmarc=fail header.from={domain}"
    )
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(email.utils.localtime())
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    return message


def _text(parsed: Message) -> str:
    part = parsed.get_body(("plain",)) if isinstance(parsed, EmailMessage) else None
    return str(part.get_content()) if part is not None else ""


def _threads(sandbox: GmailSandbox) -> str:
    """Each mailbox (a heading) and its threads (a list each, named by the first subject)."""
    shown = []
    with sandbox.lock:
        boxes = [
            (b.address, sorted(b.messages.values(), key=lambda m: int(m["historyId"])))
            for b in sandbox.boxes.values()
        ]
    for address, records in boxes:
        threads: dict[str, list[Message]] = {}
        for m in records:
            threads.setdefault(m["threadId"], []).append(
                email.message_from_bytes(m["raw"], policy=email.policy.default)
            )
        items = []
        for messages in threads.values():
            subject = str(messages[0].get("Subject", "(no subject)"))
            lines = "".join(
                f"<li><b>{escape(str(m.get('From', '')))}</b>: {escape(str(m.get('Subject', '')))}"
                f"<pre>{escape(_text(m)[:2000])}</pre></li>"
                for m in messages
            )
            items.append(f'<li><ol aria-label="Thread: {escape(subject)}">{lines}</ol></li>')
        body = f"<ul>{''.join(items)}</ul>" if items else "<p>No mail yet.</p>"
        shown.append(f"<section><h2>Mailbox {escape(address)}</h2>{body}</section>")
    return (
        "".join(shown) or "<p>No mailbox yet: connect an agent's address on the console's Integrations.</p>"
    )


def page(sandbox: GmailSandbox, said: str = "", status: int = 200) -> Response:
    """The screen: the form, what the last send did, the mailboxes' threads."""
    with sandbox.lock:
        addresses = [b.address for b in sandbox.boxes.values()]
    options = "".join(f"<option>{escape(a)}</option>" for a in addresses)
    body = f"""<h1>Gmail (sandbox)</h1>
<p>Write as a member to an agent's address: Gmail receives it and its watch tells the agent.</p>
<form method="post" action="{PATH}">
<label>From <input name="from" type="email" required></label>
<label>To <input name="to" type="email" list="mailboxes" required></label>
<datalist id="mailboxes">{options}</datalist>
<label>Subject <input name="subject" required></label>
<label>Message <textarea name="text" required></textarea></label>
<label><input type="checkbox" name="signed" value="1" checked> The sender's domain signs its mail
(DKIM, SPF and DMARC pass)</label>
<button>Send</button></form>
<p role="status">{escape(said)}</p>{_threads(sandbox)}"""
    return accounts.page("Gmail sandbox", body, status)


def send(sandbox: GmailSandbox, form: dict[str, str]) -> str:
    """The form's mail delivered to its recipient's inbox: what the screen says of it."""
    to = form.get("to", "").strip()
    with sandbox.lock:
        known = to.lower() in sandbox.boxes
    if not known:
        raise accounts.ScreenRefusal(
            f"no mailbox {to} in the sandbox's Gmail: connect it on the console's Integrations first"
        )
    message = received(
        form.get("from", ""), to, form.get("subject", ""), form.get("text", ""), bool(form.get("signed"))
    )
    record = sandbox.deliver(to, message)
    watched = "its watch published it" if sandbox.boxes[to.lower()].watch else "nobody watches that inbox"
    return f"Delivered to {to} (message {record['id']}, thread {record['threadId']}); {watched}."


def serve_screen(sandbox: GmailSandbox, environ: dict[str, Any], start_response: Any) -> Any:
    """WSGI for :data:`PATH`: GET shows the screen, POST sends its form's mail."""
    return accounts.serve_form(
        environ,
        start_response,
        lambda said, status: page(sandbox, said, status),
        lambda form: send(sandbox, form),
    )
