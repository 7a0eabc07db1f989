"""The SMTP relay's side of the sandbox: its accounts, the messages it accepted, the AUTH attempts it
saw and the faults it will inject.

A message is kept as a test wants to check it: the envelope (``mail_from``, ``rcpt_tos``), the headers
the adapter writes, decoded (RFC 2047 words become text), and the text body decoded from its transfer
encoding and charset. An AUTH attempt keeps the mechanism, the login, whether the session was under
TLS and whether it was accepted: never the password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

JSON = dict[str, Any]
HEADERS = {
    "from": "From",
    "to": "To",
    "subject": "Subject",
    "message_id": "Message-ID",
    "date": "Date",
    "auto_submitted": "Auto-Submitted",
}
# What the next transactions meet at the end of DATA, in order:
FAULTS = {
    "451": "answer 451 4.3.0 (try again later); nothing is stored",
    "421": "answer 421 4.3.2 and close the connection; nothing is stored",
    "lost_answer": "store the message, then drop the connection before the 250 reply",
}
MAX_FAULT_TIMES = 100


def parse_message(content: bytes) -> JSON:
    """The decoded headers and text body of a message as received after DATA (its CRLF line ends
    read as a mail client stores them, LF)."""
    parsed = message_from_bytes(content.replace(b"\r\n", b"\n"), policy=policy.default)
    assert isinstance(parsed, EmailMessage)  # what policy.default builds
    headers = {key: None if parsed[name] is None else str(parsed[name]) for key, name in HEADERS.items()}
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else None
    kind = {"content_type": parsed.get_content_type(), "charset": parsed.get_content_charset()}
    return headers | kind | {"text": text}


@dataclass
class SmtpState:
    accounts: dict[str, str] = field(default_factory=dict)  # login → password
    messages: list[JSON] = field(default_factory=list)  # oldest first
    auth_attempts: list[JSON] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # pending, one per transaction, next first

    def authenticate(self, mechanism: str, login: str, password: str, tls: bool) -> bool:
        accepted = self.accounts.get(login) == password
        self.auth_attempts.append({"mechanism": mechanism, "login": login, "tls": tls, "accepted": accepted})
        return accepted

    def inject(self, kind: str, times: int) -> list[str]:
        if kind not in FAULTS or not 1 <= times <= MAX_FAULT_TIMES:
            raise ValueError(f"kind must be one of {', '.join(FAULTS)} and times 1-{MAX_FAULT_TIMES}")
        self.faults.extend([kind] * times)
        return self.faults

    def take_fault(self) -> str | None:
        return self.faults.pop(0) if self.faults else None

    def store(self, mail_from: str, rcpt_tos: list[str], content: bytes, session: JSON) -> JSON:
        """Keep an accepted message; ``session`` says how it came (``login``, ``tls``)."""
        message = {
            "seq": len(self.messages) + 1,
            "mail_from": mail_from,
            "rcpt_tos": list(rcpt_tos),
            **parse_message(content),
            **session,
            "size": len(content),
        }
        self.messages.append(message)
        return message
