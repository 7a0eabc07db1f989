"""Our HTTP clients verify servers against the system's hashed CA directory, read per handshake
(``shared.platform.adapters.tls``): against a local HTTPS server whose certificate a test CA issued, known only
to a temporary directory that stands for the system's (OpenSSL's default) or to ``SSL_CERT_FILE``."""

import datetime
import hashlib
import ipaddress
import ssl
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from local.http_answer import send_answer
from local.wsgi_thread import serving
from shared.notion.adapters.notion import build_client
from shared.platform.adapters import tls
from shared.platform.adapters.rest import RestClient

pytestmark = pytest.mark.integration

CA_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "notion agent test ca")])


def _subject_hash(name: x509.Name) -> str:
    """OpenSSL's subject hash (``openssl x509 -hash``) of a name that is already canonical (one
    lower-case, single-spaced UTF8String): SHA-1 of its DER without the outer SEQUENCE's header."""
    der = name.public_bytes()
    assert der[0] == 0x30 and der[1] < 0x80  # a short SEQUENCE: a two-byte header
    return f"{int.from_bytes(hashlib.sha1(der[2:]).digest()[:4], 'little'):08x}"


def _certificates(tmp: Path) -> tuple[Path, Path, Path]:
    """A test CA (its PEM) and a server certificate for 127.0.0.1 it issued (PEM, key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder().subject_name(CA_NAME).issuer_name(CA_NAME)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(ca_ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(CA_NAME).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = tmp / "ca.pem", tmp / "server.pem", tmp / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"object": "user", "id": "u", "type": "bot"}'
        send_answer(self, 200, body, [("Content-Type", "application/json")])

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The base URL of an HTTPS server on 127.0.0.1 and the PEM of the CA that issued its certificate."""
    ca, cert, key = _certificates(tmp_path)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    with serving(httpd):
        yield f"https://127.0.0.1:{httpd.server_address[1]}", ca


@pytest.fixture(autouse=True)
def _no_shared_context() -> Iterator[None]:
    tls.verifying_context.cache_clear()
    yield
    tls.verifying_context.cache_clear()


def _system_directory(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """Make ``directory`` the system's CA directory (OpenSSL's default), with no SSL_CERT_* set: httpx's
    own default (certifi's bundle) then knows nothing of it."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    paths = ssl.get_default_verify_paths()
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths._replace(capath=str(directory)))
    monkeypatch.setattr(tls, "SYSTEM_CA_DIRECTORY", str(directory))


def _ca_directory(tmp_path: Path, ca: Path) -> Path:
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / f"{_subject_hash(CA_NAME)}.0").write_bytes(ca.read_bytes())
    (directory / "README").write_text("not a certificate")
    return directory


def test_a_hashed_ca_directory_is_trusted_without_reading_a_bundle(
    server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ca = server
    _system_directory(monkeypatch, _ca_directory(tmp_path, ca))
    context = tls.context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs() == []  # nothing read yet: the issuer is looked up by the handshake
    with httpx.Client(verify=context) as client:
        assert client.get(url).status_code == 200


def test_the_notion_and_rest_adapters_verify_with_that_context(
    server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ca = server
    _system_directory(monkeypatch, _ca_directory(tmp_path, ca))
    assert cast(dict[str, Any], build_client(url, 5.0).users.me())["id"] == "u"
    assert RestClient("Vercel", url, 5.0).send("GET", "/v2/user", {}, "a test").status_code == 200
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(url)  # httpx's default, certifi's bundle, does not know the test CA


def test_certifi_is_the_fallback_and_the_ssl_cert_variables_are_honoured(
    server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ca = server
    empty = tmp_path / "empty"
    empty.mkdir()
    _system_directory(monkeypatch, empty)  # no hashed entry: certifi's bundle
    assert not tls.has_hashed_entries(str(empty)) and not tls.has_hashed_entries(str(tmp_path / "none"))
    context = tls.context()
    assert len(context.get_ca_certs()) > 100
    with httpx.Client(verify=context) as client, pytest.raises(httpx.ConnectError):
        client.get(url)  # the test CA is not in it
    # SSL_CERT_DIR set is the only directory looked in, even when the system's knows the test CA
    _system_directory(monkeypatch, _ca_directory(tmp_path, ca))
    monkeypatch.setenv("SSL_CERT_DIR", str(empty))
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: ssl.DefaultVerifyPaths(
        "", str(empty), "SSL_CERT_FILE", "", "SSL_CERT_DIR", ""))  # fmt: skip
    assert len(tls.context().get_ca_certs()) > 100
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    with httpx.Client(verify=tls.context()) as client:
        assert client.get(url).status_code == 200
