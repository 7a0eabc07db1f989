"""The api's pace per person and per API key: past it a 429 with Retry-After that does nothing; one
person's pace leaves another's alone, and a key's requests count against its person's too."""

from datetime import UTC, datetime

import pytest

from shared.adapters.api_limits import ApiLimits
from shared.config import Settings
from shared.domain.members import Member, member_id_for
from shared.domain.tenants import Tenant
from shared.errors import TooManyRequests
from shared.services.sessions import start_session
from tests.api_fakes import FakeContainer, client
from tests.support.api_keys import auth, make_key

SETTINGS = Settings(api_person_per_min=60, api_key_per_min=60, api_burst=3)


def team() -> tuple[FakeContainer, str, str]:
    """Tenant t1 with its owner and an editor; a session of each."""
    c, now = FakeContainer(SETTINGS), datetime.now(UTC)
    editor = Member(
        member_id=member_id_for("user-2"), notion_user_id="user-2", role="editor", added_at=now, epoch="e2"
    )
    c.tenants.save(
        Tenant(
            tenant_id="t1",
            workspace_id="w1",
            token_secret="s",
            created_at=now,
            updated_at=now,
            owner_user_id="user-1",
            session_epoch="e",
            members=(editor,),
        )
    )
    return (
        c,
        start_session("t1", c.secrets, epoch="e"),
        start_session("t1", c.secrets, epoch="e", member=editor),
    )


def test_a_person_past_their_pace_gets_429_with_retry_after() -> None:
    c, owner, editor = team()
    api = client("api", c)
    answers = [api.post("/runs", json={"goal": "x"}, headers=auth(editor)) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    limited = answers[-1]
    assert limited.json is not None and limited.json["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 2
    assert len(c.queue.tasks) == 3  # the refused request started nothing
    assert api.get("/runs", headers=auth(owner)).status_code == 200  # another person's pace is their own


def test_a_key_has_its_own_pace_within_its_person_s() -> None:
    now = [0.0]
    limits = ApiLimits(
        Settings(api_person_per_min=600, api_key_per_min=60, api_burst=2), clock=lambda: now[0]
    )
    limits.admit("t1:ada", "key1")
    limits.admit("t1:ada", "key1")
    now[0] = 0.5  # the person's pace (10 a second) has room again, the key's (1 a second) has not
    with pytest.raises(TooManyRequests, match="with this API key") as refused:
        limits.admit("t1:ada", "key1")
    assert refused.value.http_status == 429 and refused.value.retry_after_s == pytest.approx(0.5)
    limits.admit("t1:ada")  # the person's own session goes on
    limits.admit("t1:bob", "key2")  # and another key of another person
    with pytest.raises(TooManyRequests, match="from you"):
        limits.admit("t1:ada")  # the person's burst is spent: 10 a second, 2 at once


def test_the_api_answers_a_key_past_its_pace_with_429() -> None:
    c, owner, _ = team()
    api = client("api", c)
    key = make_key(c, owner, scopes=["read"])["key"]
    answers = [api.get("/usage", headers=auth(key)).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
