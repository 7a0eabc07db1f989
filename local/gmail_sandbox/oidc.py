"""A stand-in for the Google identity that signs Pub/Sub's push requests: an RSA key, its certificate
served as Google's ``/oauth2/v1/certs`` serves them (``{"<kid>": "<x509 PEM>"}``), and ID tokens
signed with it as Pub/Sub's push mints them (RS256, ``iss`` accounts.google.com, ``aud``, ``email``,
``email_verified``). The verifier (shared.mail.adapters.oidc) is pointed at these certs: it checks
them exactly as it checks Google's."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

ISSUER = "https://accounts.google.com"


class Signer:
    """One signing key (``kid``) and its self-signed certificate."""

    def __init__(self, kid: str = "sandbox-key-1") -> None:
        self.kid = kid
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sandbox-oidc")])
        now = datetime.now(UTC)
        builder = x509.CertificateBuilder(
            issuer_name=name,
            subject_name=name,
            public_key=key.public_key(),
            serial_number=x509.random_serial_number(),
            not_valid_before=now - timedelta(days=1),
            not_valid_after=now + timedelta(days=30),
        )
        cert = builder.sign(key, hashes.SHA256())
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._signer = crypt.RSASigner.from_string(pem, key_id=kid)  # type: ignore[no-untyped-call]  # google-auth is untyped here

    def certs(self) -> dict[str, str]:
        """The body of the certs URL: key id to PEM certificate."""
        return {self.kid: self.cert_pem}

    def token(self, audience: str, email: str, **claims: Any) -> str:
        """An ID token as Pub/Sub's push sends it in ``Authorization: Bearer``; ``claims`` override."""
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": audience,
            "azp": "1000000000000000000001",
            "sub": "1000000000000000000001",
            "email": email,
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
        } | claims
        token: bytes = jwt.encode(self._signer, payload)  # type: ignore[no-untyped-call]  # google-auth is untyped here
        return token.decode()
