"""The sandbox's SMTP relay: aiosmtpd on 127.0.0.1 in a thread of its own, storing into the sandbox.

It behaves like a submission relay (SendGrid, Mailgun, SES): AUTH PLAIN or LOGIN before MAIL FROM
(``530 5.7.0`` otherwise), wrong credentials ``535 5.7.8``, a recipient at ``bounce.invalid`` refused
``550 5.1.1``, a message over ``MAX_MESSAGE_BYTES`` refused ``552``. AUTH in plain text is accepted
(the relay only listens on loopback, and the local stack uses security "none"), except on a relay
built with a TLS context: it offers STARTTLS and, like a real one, offers AUTH only after it. With
``implicit_tls`` the context is used from the first byte instead (SMTPS, port 465 style).

Faults (``SmtpState.inject``) are met at the end of DATA, one per transaction: ``451`` (temporary
refusal), ``421`` (refusal and the connection closed) or ``lost_answer`` (the message is stored, then
the connection drops before the 250 reply, as when a relay or the network fails at the worst time).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

if TYPE_CHECKING:
    from local.code_sandbox.sandbox import CodeSandbox

HOST = "127.0.0.1"
HOSTNAME = "smtp.sandbox.notion-agent.local"  # given, not looked up: getfqdn() can stall on DNS
MAX_MESSAGE_BYTES = 1024 * 1024
BOUNCE_DOMAIN = "bounce.invalid"


def _tls(server: SMTP) -> bool:
    """Whether the session is encrypted (after STARTTLS, or from the start)."""
    return server.transport is not None and server.transport.get_extra_info("ssl_object") is not None


class _QuietDeprecation(logging.Filter):
    """aiosmtpd 1.4 warns that ``Session.login_data`` is deprecated on every successful AUTH, which
    it sets itself: noise in the sandbox's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_QuietDeprecation())


async def _until_dropped() -> None:
    """Wait for the connection's end: aiosmtpd cancels the session's task when the transport closes."""
    await asyncio.get_running_loop().create_future()


class RelayHandler:
    """aiosmtpd's handler (``handle_*`` hooks) and authenticator, both storing into the sandbox."""

    def __init__(self, sandbox: CodeSandbox) -> None:
        self.sandbox = sandbox

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """The authenticator: the seeded accounts; ``handled=False`` makes aiosmtpd answer 535 5.7.8."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        with self.sandbox.lock:
            accepted = self.sandbox.smtp.authenticate(mechanism, login, password, _tls(server))
        return AuthResult(success=accepted, handled=False, auth_data=login if accepted else None)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        # Checked here rather than with aiosmtpd's auth_required, which warns on every connection
        # when AUTH without TLS is allowed.
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Sender OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.rpartition("@")[2].lower() == BOUNCE_DOMAIN:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 Recipient OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.sandbox.lock:
            fault = self.sandbox.smtp.take_fault()
        if fault == "451":
            return "451 4.3.0 Temporary failure, try again later"
        assert server.transport is not None
        if fault == "421":
            await server.push("421 4.3.2 Service shutting down, closing transmission channel")
            server.transport.close()  # after the reply, which push() has written
            await _until_dropped()
        how = {"login": session.auth_data, "tls": _tls(server)}
        with self.sandbox.lock:
            stored = self.sandbox.smtp.store(
                str(envelope.mail_from), envelope.rcpt_tos, envelope.original_content or b"", how
            )
        if fault == "lost_answer":
            assert isinstance(server.transport, asyncio.WriteTransport)  # a socket's, or TLS over it
            server.transport.abort()  # at once, nothing more written: the client never sees the 250
            await _until_dropped()
        return f"250 2.0.0 OK: queued as {stored['seq']}"


class _Controller(Controller):
    """aiosmtpd's threaded controller, serving a socket bound beforehand (so its port is known, even
    when it was 0, before the thread starts)."""

    def __init__(self, handler: RelayHandler, sock: socket.socket, **kwargs: Any) -> None:
        super().__init__(handler, hostname=HOST, port=sock.getsockname()[1], **kwargs)
        self._sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class SmtpRelay:
    """The relay on 127.0.0.1:``port`` (0 picks a free one), bound at construction, served from
    ``start()`` to ``stop()``."""

    def __init__(
        self,
        sandbox: CodeSandbox,
        port: int = 0,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ) -> None:
        self._sock = socket.create_server((HOST, port))
        self.port: int = self._sock.getsockname()[1]
        handler = RelayHandler(sandbox)
        self._controller = _Controller(
            handler,
            self._sock,
            ssl_context=tls_context if implicit_tls else None,
            server_hostname=HOSTNAME,
            ident="code-sandbox ESMTP",
            data_size_limit=MAX_MESSAGE_BYTES,
            tls_context=None if implicit_tls else tls_context,
            auth_require_tls=tls_context is not None and not implicit_tls,
            authenticator=handler,
            timeout=60,
        )
        self._started = False

    def start(self) -> SmtpRelay:
        self._controller.start()
        self._started = True
        return self

    def stop(self) -> None:
        """Stop serving; the loop's thread ends and the listening socket is closed."""
        if self._started:
            self._controller.stop()
            self._started = False
        self._sock.close()  # already closed by the server when it ran; a no-op then
