"""The SMTP adapter (smtplib underneath) against the code sandbox's SMTP relay (aiosmtpd) over real
sockets: a mail delivered with every header and its exact text, the relay's refusals and failures
mapped to our kinds, TLS (STARTTLS and implicit) with a certificate the test makes, and never the
password in a message or log line. The last sections check the relay itself and the sandbox's CLI."""

import base64
import datetime as dt
import email.utils
import ipaddress
import logging
import secrets
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from local.code_sandbox import SEED
from local.code_sandbox.testing import Admin, RunningSandbox, running_code_sandbox
from local.processes import free_port
from shared.notify.adapters.smtp import Security, SmtpMailer
from shared.notify.domain.notifications import Mail
from shared.platform.errors import PermanentError, TransientError, Unauthenticated
from tests.integration.assertions import assert_token_absent

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
LOOPBACK = "127.0.0.1"
USERNAME, PASSWORD = SEED["smtp_username"], SEED["smtp_password"]
SENDER = SEED["smtp_sender"]
SENDER_ADDRESS = "agent@sandbox.notion-agent.local"


def a_mail(to: str = "alice@example.com", subject: str = "Run finished", text: str = "Done.") -> Mail:
    return Mail(to, subject, text, f"<{secrets.token_hex(8)}@sandbox.notion-agent.local>")


def mailer(
    port: int,
    security: Security = "none",
    username: str = USERNAME,
    timeout_s: float = 5.0,
    ssl_context: ssl.SSLContext | None = None,
) -> SmtpMailer:
    return SmtpMailer(
        LOOPBACK, port, security, username, SENDER, timeout_s=timeout_s, ssl_context=ssl_context
    )


@pytest.fixture
def plain(sandbox: RunningSandbox, admin: Admin) -> SmtpMailer:
    """The local stack's setting: plain SMTP to the loopback relay, with AUTH."""
    return mailer(sandbox.smtp_port)


# --- certificates ------------------------------------------------------------------------------------


class Certificate(NamedTuple):
    server: ssl.SSLContext  # the relay's
    trusting: ssl.SSLContext  # a client's that trusts it (and checks the host name)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made here (no file in the repository)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "code sandbox relay")])
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    trusting = ssl.create_default_context(cadata=cert_pem.decode())
    return Certificate(server, trusting)


@pytest.fixture(scope="module")
def starttls_sandbox(certificate: Certificate) -> Iterator[RunningSandbox]:
    with running_code_sandbox(smtp_tls_context=certificate.server) as running:
        yield running


@pytest.fixture(scope="module")
def implicit_tls_sandbox(certificate: Certificate) -> Iterator[RunningSandbox]:
    with running_code_sandbox(smtp_tls_context=certificate.server, smtp_implicit_tls=True) as running:
        yield running


# --- construction ------------------------------------------------------------------------------------


def test_constructing_a_mailer_opens_no_socket_and_builds_no_tls_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network or TLS set-up at construction: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(ssl, "create_default_context", refuse)
    securities: tuple[Security, ...] = ("starttls", "tls")
    for security in securities:
        SmtpMailer("smtp.example.com", 587, security, "apikey", SENDER, timeout_s=10.0)
    SmtpMailer("localhost", 2525, "none", "", "agent@example.com", timeout_s=10.0)


@pytest.mark.parametrize("host", ["smtp.example.com", "10.0.0.5", "0.0.0.0", "::", "localhost.example.com"])
def test_plain_text_is_refused_to_anything_but_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="only allowed to a loopback relay"):
        SmtpMailer(host, 25, "none", USERNAME, SENDER, timeout_s=5.0)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "LOCALHOST"])
def test_plain_text_is_allowed_to_loopback(host: str) -> None:
    SmtpMailer(host, 25, "none", USERNAME, SENDER, timeout_s=5.0)


@pytest.mark.parametrize("sender", ["", "Notion Agent", "<>", "agent"])
def test_a_sender_without_an_address_is_refused(sender: str) -> None:
    with pytest.raises(ValueError, match="not an email address"):
        SmtpMailer("smtp.example.com", 587, "starttls", USERNAME, sender, timeout_s=5.0)


def test_an_unknown_security_is_refused() -> None:
    unchecked: Any = "ssl"  # as a caller that bypassed the type (a raw environment value) would pass it
    with pytest.raises(ValueError, match="starttls, tls, none"):
        SmtpMailer("smtp.example.com", 587, unchecked, USERNAME, SENDER, timeout_s=5.0)


# --- delivery ----------------------------------------------------------------------------------------


def test_a_mail_arrives_with_every_header_and_its_exact_text(
    plain: SmtpMailer, admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    text = "Grüße aus der Sandbox: ✓ 完成\n\n.a line starting with a dot\n" + "long line " * 30
    mail = a_mail(to="Zoë <zoe@example.com>", subject="Lauf beendet: Größe ✓ — 完成", text=text)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with caplog.at_level(logging.DEBUG):
        assert plain.send(PASSWORD, mail) == mail.message_id

    [stored] = admin.smtp_messages()
    assert stored["mail_from"] == SENDER_ADDRESS
    assert stored["rcpt_tos"] == ["zoe@example.com"]
    assert stored["from"] == SENDER
    assert stored["to"] == "Zoë <zoe@example.com>"
    assert stored["subject"] == mail.subject
    assert stored["message_id"] == mail.message_id
    assert stored["auto_submitted"] == "auto-generated"
    assert (stored["content_type"], stored["charset"]) == ("text/plain", "utf-8")
    assert stored["text"] == text + "\n"  # a MIME text part ends with a line break
    assert (stored["login"], stored["tls"]) == (USERNAME, False)
    assert stored["date"].endswith(" -0000")  # UTC, the sender's own zone not told (RFC 5322 3.3)
    sent_at = email.utils.parsedate_to_datetime(stored["date"]).replace(tzinfo=dt.UTC)
    assert before <= sent_at <= dt.datetime.now(dt.UTC)
    # aiosmtpd logs every command at DEBUG in this process: AUTH's argument is masked there.
    plain_auth = base64.b64encode(f"\0{USERNAME}\0{PASSWORD}".encode()).decode()
    assert PASSWORD not in caplog.text and plain_auth not in caplog.text


def test_a_resend_of_the_same_mail_carries_the_same_message_id(plain: SmtpMailer, admin: Admin) -> None:
    mail = a_mail()
    plain.send(PASSWORD, mail)
    plain.send(PASSWORD, mail)
    assert [m["message_id"] for m in admin.smtp_messages()] == [mail.message_id] * 2


# --- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", [USERNAME, "someone-else"])
def test_refused_credentials_are_unauthenticated_and_never_repeat_the_password(
    sandbox: RunningSandbox, admin: Admin, caplog: pytest.LogCaptureFixture, username: str
) -> None:
    wrong = "wrong-" + secrets.token_hex(12)
    with caplog.at_level(logging.DEBUG), pytest.raises(Unauthenticated) as caught:
        mailer(sandbox.smtp_port, username=username).send(wrong, a_mail())
    assert caught.value.reason == "the mail relay refused the SMTP credentials (535)"
    assert_token_absent(caught.value, wrong, caplog)
    assert caught.value.__context__ is None and caught.value.__cause__ is None  # AUTH's reply stays behind
    attempts = admin.smtp_auth_attempts()
    assert attempts and all(a["login"] == username and not a["accepted"] for a in attempts)
    assert admin.smtp_messages() == []


def test_no_username_meets_authentication_required(sandbox: RunningSandbox, admin: Admin) -> None:
    with pytest.raises(Unauthenticated) as caught:
        mailer(sandbox.smtp_port, username="").send(PASSWORD, a_mail())
    assert caught.value.reason == "the mail relay refused the SMTP credentials (530)"
    assert admin.smtp_auth_attempts() == [] and admin.smtp_messages() == []


def test_a_password_smtplib_cannot_send_is_refused_without_repeating_it(
    sandbox: RunningSandbox, admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    odd = "pässwörd-" + secrets.token_hex(8)
    with caplog.at_level(logging.DEBUG), pytest.raises(PermanentError) as caught:
        mailer(sandbox.smtp_port).send(odd, a_mail())
    assert "not ASCII" in caught.value.reason
    assert_token_absent(caught.value, odd, caplog)
    assert caught.value.__context__ is None


def test_a_bounced_recipient_is_permanent_and_named(plain: SmtpMailer, admin: Admin) -> None:
    with pytest.raises(PermanentError) as caught:
        plain.send(PASSWORD, a_mail(to="nobody@bounce.invalid"))
    assert caught.value.reason == "the mail relay refused the recipient nobody@bounce.invalid (550)"
    assert admin.smtp_messages() == []


def test_a_message_over_the_relays_limit_is_permanent(plain: SmtpMailer, admin: Admin) -> None:
    with pytest.raises(PermanentError) as caught:
        plain.send(PASSWORD, a_mail(text=("y" * 70 + "\n") * 16_000))  # over 1 MiB
    assert caught.value.reason == "the mail relay refused the message as too large (552)"
    assert admin.smtp_messages() == []


# --- failures worth a retry --------------------------------------------------------------------------


def test_a_451_to_data_is_transient_and_nothing_is_stored(plain: SmtpMailer, admin: Admin) -> None:
    admin.smtp_fault("451")
    mail = a_mail()
    with pytest.raises(TransientError) as caught:
        plain.send(PASSWORD, mail)
    assert caught.value.reason == "the mail relay refused the message (451)"
    assert admin.smtp_messages() == []
    assert plain.send(PASSWORD, mail) == mail.message_id  # the fault was used up
    assert len(admin.smtp_messages()) == 1


def test_a_421_and_a_closed_connection_is_transient(plain: SmtpMailer, admin: Admin) -> None:
    admin.smtp_fault("421", times=2)
    for _ in range(2):
        with pytest.raises(TransientError, match=r"\(421\)"):
            plain.send(PASSWORD, a_mail())
    assert admin.smtp_messages() == []


def test_a_lost_answer_is_transient_though_the_relay_has_the_message(
    sandbox: RunningSandbox, plain: SmtpMailer, admin: Admin
) -> None:
    admin.smtp_fault("lost_answer")
    mail = a_mail()
    with pytest.raises(TransientError) as caught:
        plain.send(PASSWORD, mail)
    assert (
        caught.value.reason
        == f"the connection to the mail relay {LOOPBACK}:{sandbox.smtp_port} failed or was lost"
    )
    [kept] = admin.smtp_messages()
    assert kept["message_id"] == mail.message_id
    # The caller's retry sends the same message again: a mail client that deduplicates shows one.
    plain.send(PASSWORD, mail)
    assert [m["message_id"] for m in admin.smtp_messages()] == [mail.message_id] * 2


def test_a_refused_connection_is_transient_naming_only_host_and_port() -> None:
    port = free_port()  # bound and released: nothing listens
    with pytest.raises(TransientError) as caught:
        mailer(port).send(PASSWORD, a_mail())
    assert caught.value.reason == f"the connection to the mail relay {LOOPBACK}:{port} failed or was lost"


def test_a_relay_that_never_answers_times_out_as_transient() -> None:
    with socket.create_server((LOOPBACK, 0)) as silent:  # connections complete, nobody speaks
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(TransientError) as caught:
            mailer(port, timeout_s=0.5).send(PASSWORD, a_mail())
        elapsed = time.monotonic() - started
    assert caught.value.reason == f"the mail relay {LOOPBACK}:{port} did not answer in time"
    assert 0.4 < elapsed < 2.0


# --- TLS ---------------------------------------------------------------------------------------------


def test_starttls_with_a_trusted_certificate_authenticates_under_tls(
    starttls_sandbox: RunningSandbox, certificate: Certificate, caplog: pytest.LogCaptureFixture
) -> None:
    admin = starttls_sandbox.admin
    admin.reset()
    mail = a_mail(subject="über TLS")
    secure = mailer(starttls_sandbox.smtp_port, "starttls", ssl_context=certificate.trusting)
    with caplog.at_level(logging.DEBUG):
        assert secure.send(PASSWORD, mail) == mail.message_id
    [stored] = admin.smtp_messages()
    assert (stored["subject"], stored["tls"], stored["login"]) == ("über TLS", True, USERNAME)
    attempts = admin.smtp_auth_attempts()
    assert attempts and all(a["tls"] for a in attempts)
    assert PASSWORD not in caplog.text


def test_starttls_with_an_untrusted_certificate_is_permanent(
    starttls_sandbox: RunningSandbox,
) -> None:
    admin = starttls_sandbox.admin
    admin.reset()
    with pytest.raises(PermanentError) as caught:
        mailer(starttls_sandbox.smtp_port, "starttls").send(PASSWORD, a_mail())  # the system's CAs
    assert "is not trusted" in caught.value.reason
    assert admin.smtp_auth_attempts() == [] and admin.smtp_messages() == []


def test_starttls_to_a_relay_without_it_is_permanent_and_sends_no_auth(
    sandbox: RunningSandbox, admin: Admin, certificate: Certificate
) -> None:
    with pytest.raises(PermanentError) as caught:
        mailer(sandbox.smtp_port, "starttls", ssl_context=certificate.trusting).send(PASSWORD, a_mail())
    assert f"{LOOPBACK}:{sandbox.smtp_port} does not offer STARTTLS" in caught.value.reason
    assert admin.smtp_auth_attempts() == [] and admin.smtp_messages() == []


def test_implicit_tls_delivers(implicit_tls_sandbox: RunningSandbox, certificate: Certificate) -> None:
    admin = implicit_tls_sandbox.admin
    admin.reset()
    mail = a_mail()
    secure = mailer(implicit_tls_sandbox.smtp_port, "tls", ssl_context=certificate.trusting)
    assert secure.send(PASSWORD, mail) == mail.message_id
    [stored] = admin.smtp_messages()
    assert (stored["message_id"], stored["tls"]) == (mail.message_id, True)
    assert all(a["tls"] for a in admin.smtp_auth_attempts())


def test_implicit_tls_to_a_plain_relay_is_permanent_and_names_the_settings(
    sandbox: RunningSandbox, certificate: Certificate
) -> None:
    """A configuration error (NA_SMTP_SECURITY 'tls' on a port that speaks plain text first), not a
    passing failure: retrying it would only delay the next channel."""
    with pytest.raises(PermanentError, match=r"WRONG_VERSION_NUMBER.*NA_SMTP_SECURITY.*NA_SMTP_PORT"):
        mailer(sandbox.smtp_port, "tls", ssl_context=certificate.trusting, timeout_s=2).send(
            PASSWORD, a_mail()
        )


# --- the relay itself --------------------------------------------------------------------------------


def test_the_relay_requires_auth_before_mail_from(sandbox: RunningSandbox, admin: Admin) -> None:
    with smtplib.SMTP(LOOPBACK, sandbox.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("auth") and not smtp.has_extn("starttls")
        assert set(smtp.esmtp_features["auth"].split()) == {"LOGIN", "PLAIN"}
        assert smtp.mail(SENDER_ADDRESS) == (530, b"5.7.0 Authentication required")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_the_relay_accepts_both_mechanisms(sandbox: RunningSandbox, admin: Admin, mechanism: str) -> None:
    with smtplib.SMTP(LOOPBACK, sandbox.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        smtp.user, smtp.password = USERNAME, PASSWORD
        method = smtp.auth_plain if mechanism == "PLAIN" else smtp.auth_login
        assert smtp.auth(mechanism, method)[0] == 235
    assert admin.smtp_auth_attempts() == [
        {"mechanism": mechanism, "login": USERNAME, "tls": False, "accepted": True}
    ]


def test_the_relay_refuses_wrong_credentials_with_535(sandbox: RunningSandbox, admin: Admin) -> None:
    with smtplib.SMTP(LOOPBACK, sandbox.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            smtp.login(USERNAME, "not-it")
    assert caught.value.smtp_code == 535 and "5.7.8" in str(caught.value.smtp_error)


def test_the_starttls_relay_offers_auth_only_after_tls(
    starttls_sandbox: RunningSandbox, certificate: Certificate
) -> None:
    with smtplib.SMTP(LOOPBACK, starttls_sandbox.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls") and not smtp.has_extn("auth")
        smtp.starttls(context=certificate.trusting)
        smtp.ehlo()
        assert smtp.has_extn("auth")


def test_faults_are_checked_listed_and_cleared(admin: Admin) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        admin.smtp_fault("550")
    with pytest.raises(httpx.HTTPStatusError):
        admin.smtp_fault("451", times=0)
    assert admin.smtp_fault("lost_answer", times=2)["pending"] == ["lost_answer", "lost_answer"]
    assert admin.get("/smtp/faults")["pending"] == ["lost_answer", "lost_answer"]
    admin.delete("/faults")
    assert admin.get("/smtp/faults")["pending"] == []
    admin.smtp_fault("451")
    admin.reset()
    assert admin.get("/smtp/faults")["pending"] == [] and admin.smtp_messages() == []


def test_reset_forgets_messages_and_auth_attempts(plain: SmtpMailer, admin: Admin) -> None:
    plain.send(PASSWORD, a_mail())
    assert admin.smtp_messages() and admin.smtp_auth_attempts()
    admin.reset()
    assert admin.smtp_messages() == [] and admin.smtp_auth_attempts() == []


# --- the sandbox's command line ----------------------------------------------------------------------


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return True
    except OSError:
        return False


def test_the_command_line_serves_smtp_and_leaves_nothing_behind_on_sigterm() -> None:
    smtp_port = free_port()
    argv = [sys.executable, "-m", "local.code_sandbox", "--port", "0", "--smtp-port", str(smtp_port)]
    with subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline()
            assert ready.startswith("READY http://127.0.0.1:")
            url = ready.split()[1]
            assert httpx.get(url + "/_sandbox/health").json()["smtp_port"] == smtp_port
            mail = a_mail()
            assert mailer(smtp_port).send(PASSWORD, mail) == mail.message_id
            with smtplib.SMTP(LOOPBACK, smtp_port, timeout=5) as idle:  # a session open at the signal
                idle.ehlo()
                proc.send_signal(signal.SIGTERM)
                _, errors = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0
    assert errors == ""  # nothing printed: no warning, no traceback
    assert not _listening(smtp_port)
    assert not _listening(int(url.rsplit(":", 1)[1]))
