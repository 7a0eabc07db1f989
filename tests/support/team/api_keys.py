"""Shared by several test modules: helpers first written for ``tests/unit/team/test_api_keys.py``."""

from typing import Any

from werkzeug.test import TestResponse

from shared.team.domain.api_keys import SCOPES
from tests.support.platform.fake_container import FakeContainer, client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ALL_SCOPES = list(SCOPES)


def make_key(
    c: FakeContainer,
    session: str,
    name: str = "CI",
    idempotency_key: str | None = None,
    scopes: list[str] | None = ALL_SCOPES,
) -> dict[str, Any]:
    """A key made through the api; ``scopes`` None: the default a request without them gets."""
    answer = post_key(c, session, name, idempotency_key, scopes)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.json is not None
    return dict(answer.json)


def post_key(
    c: FakeContainer,
    session: str,
    name: str,
    idempotency_key: str | None,
    scopes: list[str] | None = ALL_SCOPES,
) -> TestResponse:
    headers = auth(session) | ({} if idempotency_key is None else {"Idempotency-Key": idempotency_key})
    body: dict[str, Any] = {"name": name} | ({} if scopes is None else {"scopes": scopes})
    return client("api", c).post("/api-keys", json=body, headers=headers)


def secret_of(key: str) -> str:
    return key.split("_", 2)[2]  # na_<key_id>_<secret>: the id has no "_"


def refused(answer: TestResponse, status: int, reason: str, key: str) -> None:
    """``answer`` has ``status`` and a reason saying ``reason``, and repeats no part of ``key``."""
    assert answer.status_code == status and answer.json is not None
    assert reason in answer.json["reason"], answer.json
    text = answer.get_data(as_text=True)
    # A malformed key may split so that its "secret" is a letter or two (the secret itself can hold
    # "_"): only a part long enough to be a secret's is looked for in the answer.
    tail = secret_of(key) if key.count("_") >= 2 else ""
    assert key not in text and (len(tail) < 8 or tail not in text)
