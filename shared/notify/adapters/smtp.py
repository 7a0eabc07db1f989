"""Email through an SMTP relay on the standard library (``smtplib``, ``email``): one connection per mail.

At most once, not exactly once: SMTP has no idempotency key and sent mail cannot be searched, so an
answer lost after the relay accepted a message leaves it unknown whether it went. The caller fixes
the Message-ID per notification, so a retry resends the *same* message, which mail clients that
de-duplicate by Message-ID show once. No message or log line carries the password or the relay's
reply to AUTH. Why: docs/decisions/0015-notifications-at-most-once.md.
"""

import contextlib
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Literal

from shared.notify.domain.notifications import Mail, one_line
from shared.platform.adapters.loopback import is_loopback
from shared.platform.errors import AgentError, PermanentError, TransientError, Unauthenticated

Security = Literal["starttls", "tls", "none"]
SECURITIES: tuple[Security, ...] = ("starttls", "tls", "none")
MAX_SUBJECT = 250  # characters of the Subject header; longer subjects are cut and end with "…"
# A TLS failure that is the connection going away, not the two sides disagreeing: worth a retry.
_TLS_CONNECTION_LOST = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
_log = logging.getLogger(__name__)


def subject_header(subject: str) -> str:
    """The Subject header of ``subject``: on one line, at most ``MAX_SUBJECT`` characters."""
    line = one_line(subject)
    return line if len(line) <= MAX_SUBJECT else line[: MAX_SUBJECT - 1].rstrip() + "…"


def _address(value: str, what: str) -> str:
    """The bare address in ``value`` (``Name <a@b>`` or ``a@b``); ValueError if there is none."""
    address = parseaddr(value)[1]
    if "@" not in address:
        raise ValueError(
            f"{what} {value!r} is not an email address (e.g. 'Notion Agent <agent@example.com>')"
        )
    return address


class SmtpMailer:
    """The ``Mailer`` port. Nothing connects here: a cold start only stores the settings."""

    def __init__(
        self,
        host: str,
        port: int,
        security: Security,
        username: str,
        sender: str,
        *,
        timeout_s: float,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITIES)}, not {security!r}")
        if security == "none" and not is_loopback(host):
            raise ValueError(
                f"SMTP security 'none' sends the password in clear: only allowed to a loopback relay, "
                f"not {host!r}; use 'starttls' or 'tls'"
            )
        if not 0 < port < 65536 or timeout_s <= 0:
            raise ValueError("the SMTP port must be 1-65535 and the timeout positive")
        self._host, self._port, self._security = host, port, security
        self._username, self._sender = username, sender
        self._sender_address = _address(sender, "the SMTP sender")
        self._timeout_s = timeout_s
        self._ssl_context = ssl_context  # built on first use: loading the CA store costs milliseconds

    @property
    def _where(self) -> str:
        return f"{self._host}:{self._port}"

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def _message(self, mail: Mail) -> tuple[EmailMessage, str]:
        """The message and its envelope recipient; PermanentError if the mail cannot be written."""
        try:
            recipient = _address(mail.to, "the recipient")
            message = EmailMessage()
            message["From"] = self._sender
            message["To"] = mail.to
            message["Subject"] = subject_header(mail.subject)
            message["Message-ID"] = mail.message_id
            message["Date"] = formatdate(localtime=False)
            message["Auto-Submitted"] = "auto-generated"
            # Quoted-printable: 7-bit safe for any relay, which 8-bit text without BODY=8BITMIME is not.
            message.set_content(mail.text, charset="utf-8", cte="quoted-printable")
        except ValueError as exc:  # an address that is none, a line break in a header
            raise PermanentError(f"the mail could not be written: {exc}") from None
        return message, recipient

    def send(self, password: str, mail: Mail) -> str:
        """Send ``mail`` as plain-text UTF-8 (From, To, Subject on one line, its Message-ID, Date,
        ``Auto-Submitted: auto-generated``) with ``timeout_s`` per step; its Message-ID. Security:
        "starttls" (refused if the relay lacks it), "tls" from the first byte, "none" to a loopback
        relay only. Errors: refused credentials → Unauthenticated; a 5xx refusal of the sender, the
        recipient or the message → PermanentError; a 4xx, a lost connection or a timeout →
        TransientError; no STARTTLS, an untrusted certificate or a failed TLS handshake →
        PermanentError. AUTH errors are raised outside the ``except``, so nothing of the reply is
        chained."""
        message, recipient = self._message(mail)
        refused: AgentError | None = None
        try:
            self._deliver(password, message, recipient)
        except smtplib.SMTPAuthenticationError as exc:
            refused = _refused_credentials(exc.smtp_code)  # the reply's text stays behind
        except (smtplib.SMTPException, OSError) as exc:
            raise self._convert(exc, recipient) from exc
        if refused is not None:
            raise refused  # outside the except block: the relay's answer to AUTH is not chained
        _log.info("the mail relay %s accepted message %s", self._where, mail.message_id)
        return mail.message_id

    def _deliver(self, password: str, message: EmailMessage, recipient: str) -> None:
        """One session: connect, EHLO, STARTTLS, AUTH, the message, QUIT."""
        smtp = self._connect()
        try:
            smtp.ehlo()
            if self._security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise PermanentError(
                        f"the mail relay {self._where} does not offer STARTTLS; refusing to send the "
                        "password in clear (use security 'tls' if it speaks TLS from the start)"
                    )
                smtp.starttls(context=self._tls())
                smtp.ehlo()
            if self._username:
                self._login(smtp, password)
            smtp.send_message(message, from_addr=self._sender_address, to_addrs=[recipient])
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()  # the relay has the message: a lost goodbye changes nothing
        finally:
            smtp.close()

    def _login(self, smtp: smtplib.SMTP, password: str) -> None:
        """AUTH (PLAIN or LOGIN, whichever the relay offers first in smtplib's order)."""
        not_ascii = False
        try:
            smtp.login(self._username, password)
        except UnicodeEncodeError:  # smtplib writes AUTH in ASCII; this exception holds the password
            not_ascii = True
        if not_ascii:
            raise PermanentError("the SMTP username or password is not ASCII, which smtplib cannot send")

    def _connect(self) -> smtplib.SMTP:
        if self._security == "tls":
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout_s, context=self._tls())
        return smtplib.SMTP(self._host, self._port, timeout=self._timeout_s)

    def _convert(self, exc: smtplib.SMTPException | OSError, recipient: str) -> AgentError:
        """The project's error for a failed session (an AUTH refusal is handled before)."""
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code = next(iter(exc.recipients.values()), (0, b""))[0]
            return _by_code(code, f"the mail relay refused the recipient {recipient} ({code})")
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._refusal(exc)
        return self._failure(exc)

    def _refusal(self, exc: smtplib.SMTPResponseException) -> AgentError:
        """A reply other than the expected one, by its code (its text is not repeated)."""
        code = exc.smtp_code
        if code == 530:  # "authentication required": no username is configured, or AUTH did not take
            return _refused_credentials(code)
        if isinstance(exc, smtplib.SMTPConnectError):
            return TransientError(f"the mail relay {self._where} refused the session ({code})")
        if isinstance(exc, smtplib.SMTPSenderRefused):  # 552 to MAIL FROM's SIZE: too large (RFC 1870)
            what = "the message as too large" if code == 552 else f"the sender {self._sender_address}"
            return _by_code(code, f"the mail relay refused {what} ({code})")
        if isinstance(exc, smtplib.SMTPDataError):
            return _by_code(code, f"the mail relay refused the message ({code})")
        return _by_code(code, f"the mail relay {self._where} answered {code}")

    def _failure(self, exc: smtplib.SMTPException | OSError) -> AgentError:
        """No usable reply: TLS, timeout, connection, or a relay that lacks what is needed."""
        where = self._where
        if isinstance(exc, ssl.SSLCertVerificationError):
            return PermanentError(
                f"the TLS certificate of the mail relay {where} is not trusted ({exc.verify_message})"
            )
        if isinstance(exc, ssl.SSLError) and not isinstance(exc, _TLS_CONNECTION_LOST):
            # The two sides cannot agree on TLS (WRONG_VERSION_NUMBER: 'tls' against a port that
            # speaks plain text first): a setting to change, not something a retry can fix.
            reason = (
                f"TLS with the mail relay {where} failed ({exc.reason or exc.__class__.__name__}): check "
                f"NA_SMTP_SECURITY ({self._security!r}) against NA_SMTP_PORT: 'tls' is TLS from the first "
                "byte (usually port 465), 'starttls' upgrades a plain session (usually port 587)"
            )
            _log.error("email is failing: %s", reason)
            return PermanentError(reason)
        # smtplib turns a read that timed out into SMTPServerDisconnected, the timeout its context.
        if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            return TransientError(f"the mail relay {where} did not answer in time")
        if isinstance(exc, smtplib.SMTPNotSupportedError) or type(exc) is smtplib.SMTPException:
            return PermanentError(f"the mail relay {where} cannot be used: {exc}")  # smtplib's own words
        return TransientError(f"the connection to the mail relay {where} failed or was lost")


def _refused_credentials(code: int) -> AgentError:
    if 400 <= code < 500:
        return TransientError(f"the mail relay could not check the SMTP credentials now ({code})")
    return Unauthenticated(f"the mail relay refused the SMTP credentials ({code})")


def _by_code(code: int, reason: str) -> AgentError:
    """A 4xx reply is worth a retry; anything else is a refusal for good."""
    return TransientError(reason) if 400 <= code < 500 else PermanentError(reason)
