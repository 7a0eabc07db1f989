"""API keys: a workspace's credentials for scripts (CI starting runs, say) that have no browser session.

A key is ``na_<key_id>_<secret>``: ``key_id`` names its document (``api_keys/{key_id}``), ``secret``
proves it. Only the secret's SHA-256 is stored; the secret is shown once, when the key is made. It is
32 random bytes, so an unsalted hash is enough. A key made with an ``Idempotency-Key`` gets an id
derived from it and the tenant (``idempotent_key_id``), so a retry finds the key its lost answer named.
Pure: the format, parsing and the hash; the ApiKeyStore port stores the keys.
"""

import hashlib
import hmac
import re
import secrets
import string
from datetime import datetime
from typing import Any

from pydantic import ConfigDict

from shared.platform.domain.schema import Schema

PREFIX = "na_"
MAX_KEYS = 10  # a workspace's live keys
NAME_MAX = 100
# What no name shows: control characters, line and paragraph separators, zero-width and direction marks.
_HIDDEN = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
_SPACES = r" \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"  # named: regex engines read \s differently
# A key's name: such characters nowhere, and one that is not a space. The contract states this very
# pattern; the route checks it (functions.routes.team_api.api_keys).
KEY_NAME = rf"^[^{_HIDDEN}]*[^{_SPACES}{_HIDDEN}][^{_HIDDEN}]*$"
IDEMPOTENCY_KEY_MAX = 100
# Letters and digits only: the id never holds the "_" that separates it from the secret, and is never
# a Firestore id reserved by the "__...__" form.
_ID_ALPHABET = string.ascii_letters + string.digits
_ID_LENGTH = 16  # ~95 bits
_KEY_ID = re.compile(r"[A-Za-z0-9]{16}")
_KEY = re.compile(r"na_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})")  # token_urlsafe(32): 43 characters
# Printable ASCII but the space: no control character (nor line break) can occur in one.
_IDEMPOTENCY_KEY = re.compile(rf"[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}")


# What a key may do (sessions may do all of it). No key approves a change beyond a run's own pages:
# that is the owner's, in the console or by the emailed link (shared.engine.services.humans).
READ, START, DECIDE, CONTROL = "read", "runs:start", "runs:decide", "runs:control"
SCOPES = (READ, START, DECIDE, CONTROL)
DEFAULT_SCOPES = (READ,)  # a new key's, unless it asks for more
# A key made before keys had scopes keeps what it could do then (reading, starting, deciding and
# controlling runs): it can no longer approve what only the owner may.
LEGACY_SCOPES = SCOPES


class ApiKey(Schema):
    """``api_keys/{key_id}``. Holds the secret's hash, never the secret."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    tenant_id: str
    name: str
    secret_sha256: str
    created_at: datetime
    # The tenant's session_epoch when the key was made: a disconnect sets a new one and so ends the
    # key, as it ends every session (shared.team.services.sessions).
    epoch: str
    scopes: tuple[str, ...] | None = None  # None: made before scopes (LEGACY_SCOPES)
    # The member whose key it is: it acts with their role as held now. "": made before teams, the owner's.
    member_id: str = ""

    @property
    def granted(self) -> tuple[str, ...]:
        return LEGACY_SCOPES if self.scopes is None else self.scopes


def new_key(
    tenant_id: str,
    name: str,
    epoch: str,
    now: datetime,
    key_id: str | None = None,
    *,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    member_id: str = "",
) -> tuple[ApiKey, str]:
    """A new key of the tenant and its full text (``na_<key_id>_<secret>``: to show once, not store).
    Its id is ``key_id`` if given (``idempotent_key_id``), else random; its secret is always new."""
    key_id = key_id or "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        key_id=key_id,
        tenant_id=tenant_id,
        name=name,
        secret_sha256=secret_hash(secret),
        created_at=now,
        epoch=epoch,
        scopes=scopes,
        member_id=member_id,
    )
    return key, f"{PREFIX}{key_id}_{secret}"


def is_idempotency_key(text: str) -> bool:
    """Whether ``text`` can be an ``Idempotency-Key``: 1-100 printable ASCII characters, no space."""
    return _IDEMPOTENCY_KEY.fullmatch(text) is not None


def idempotent_key_id(tenant_id: str, idempotency_key: str) -> str:
    """The id of the tenant's key made with ``idempotency_key``: the same at every retry, another for
    another tenant. A line break separates the two (neither can hold one); the SHA-256 is read as a
    number in base 62, whose 16 lowest digits are the id (~95 bits, as a random one)."""
    digest = hashlib.sha256(f"{tenant_id}\n{idempotency_key}".encode()).digest()
    number, digits = int.from_bytes(digest), []
    for _ in range(_ID_LENGTH):
        number, digit = divmod(number, len(_ID_ALPHABET))
        digits.append(_ID_ALPHABET[digit])
    return "".join(digits)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_api_key(token: str) -> bool:
    """Whether a bearer token is meant as an API key (sessions never start so: base64url of JSON)."""
    return token.startswith(PREFIX)


def parse(token: str) -> tuple[str, str] | None:
    """``(key_id, secret)`` of a well-formed key; None otherwise."""
    match = _KEY.fullmatch(token)
    return (match[1], match[2]) if match else None


def is_key_id(text: str) -> bool:
    """Whether ``text`` can be a key's id (anything else is not looked up: Firestore refuses some)."""
    return _KEY_ID.fullmatch(text) is not None


def proves(key: ApiKey, secret: str) -> bool:
    """Whether ``secret`` is the key's secret, compared in constant time."""
    return hmac.compare_digest(key.secret_sha256, secret_hash(secret))


def listed(key: ApiKey) -> dict[str, Any]:
    """What a key shows after it is made: never its secret, nor its hash."""
    return {
        "key_id": key.key_id,
        "name": key.name,
        "created_at": key.created_at.isoformat(),
        "scopes": list(key.granted),
    }
