"""Service-account credentials whose token endpoint is a local stand-in, for google.auth.default()."""

import json
from pathlib import Path


def service_account_file(path: Path, token_uri: str) -> Path:
    """Credentials for google.auth.default(): a fresh key, and a token endpoint on loopback."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "notion-agent-local",
        "private_key_id": "redteam",
        "private_key": pem,
        "client_email": "redteam@notion-agent-local.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info))
    path.chmod(0o600)
    return path
