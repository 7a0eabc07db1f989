"""The api's pace per person and per API key: past it a 429 with Retry-After (the window's end) that
does nothing; one person's pace leaves another's alone, and a key's requests count against its
person's too. The windows follow the clock: a new window admits again."""

from datetime import UTC, datetime

import pytest

from shared.platform.config import Settings
from shared.platform.errors import TooManyRequests
from shared.platform.services.api_limits import ApiLimits, window
from shared.team.services.sessions import start_session
from shared.workspace.domain.members import Member, member_id_for
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakePaces
from tests.support.team.api_keys import auth, make_key
from tests.support.team.api_limits import paced, save_team

SETTINGS = Settings(api_person_per_min=60, api_key_per_min=60, api_burst=3)  # windows of 3 s


def team(at: float = 1000.5) -> tuple[FakeContainer, str, str]:
    """Tenant t1 with its owner and an editor; a session of each; the api's clock stands at ``at``."""
    c, now = FakeContainer(SETTINGS), datetime.now(UTC)
    editor = Member(
        member_id=member_id_for("user-2"), notion_user_id="user-2", role="editor", added_at=now, epoch="e2"
    )
    save_team(c, editor)
    paced(c, lambda: at)
    return (
        c,
        start_session("t1", c.secrets, epoch="e"),
        start_session("t1", c.secrets, epoch="e", member=editor),
    )


def test_a_person_past_their_pace_gets_429_with_retry_after_to_the_window_s_end() -> None:
    c, owner, editor = team(at=1000.5)  # the window [999, 1002): 1.5 s left, said as 2
    api = client("api", c)
    answers = [api.post("/runs", json={"goal": "x"}, headers=auth(editor)) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    limited = answers[-1]
    assert limited.json is not None and limited.json["error"] == "rate_limited"
    assert "at most 3 in 3 s" in limited.json["reason"]
    assert limited.headers["Retry-After"] == "2"
    assert len(c.queue.tasks) == 3  # the refused request started nothing
    assert api.get("/runs", headers=auth(owner)).status_code == 200  # another person's pace is their own


def test_a_key_has_its_own_pace_within_its_person_s() -> None:
    now = [0.0]
    paces = FakePaces()
    limits = ApiLimits(
        Settings(api_person_per_min=600, api_key_per_min=60, api_burst=2), paces, clock=lambda: now[0]
    )  # a person's windows are 0.2 s, a key's 2 s
    limits.admit("t1:ada", "key1")
    limits.admit("t1:ada", "key1")
    now[0] = 0.5  # the person's window is new, the key's is not
    with pytest.raises(TooManyRequests, match="with this API key") as refused:
        limits.admit("t1:ada", "key1")
    assert refused.value.http_status == 429 and refused.value.retry_after_s == 2  # ceil(2.0 - 0.5)
    limits.admit("t1:ada")  # the person's own session goes on
    limits.admit("t1:bob", "key2")  # and another key of another person
    with pytest.raises(TooManyRequests, match="from you") as refused:
        limits.admit("t1:ada")  # the person's window holds 3 now
    assert refused.value.retry_after_s == 1  # at least a second, though 0.1 s are left
    now[0] = 2.0  # both windows are new
    limits.admit("t1:ada", "key1")
    # Each counter expires a minute past its window's end (TTL): none outlives it long.
    ends = window("key", "key1", 60, 2, 0.5).ends_at
    assert paces.expires[window("key", "key1", 60, 2, 0.5).counter] == datetime.fromtimestamp(ends + 60, UTC)


def test_windows_are_the_pace_s_burst_long_and_follow_each_other() -> None:
    first, second = window("person", "t1:ada", 120, 20, 19.99), window("person", "t1:ada", 120, 20, 20.0)
    assert first.ends_at == 20.0 and second.ends_at == 30.0 and first.counter != second.counter
    assert window("key", "t1:ada", 120, 20, 5).counter != window("person", "t1:ada", 120, 20, 5).counter


def test_the_api_answers_a_key_past_its_pace_with_429() -> None:
    c, owner, _ = team()
    api = client("api", c)
    key = make_key(c, owner, scopes=["read"])["key"]
    answers = [api.get("/usage", headers=auth(key)).status_code for _ in range(3)]
    assert answers == [200, 200, 429]  # the owner's own request (making the key) was their first


CALLBACKS = {
    "/google/oauth/callback",
    "/slack/oauth/callback",
    "/mcp/oauth/callback",
    *(f"/sync/{tool}/oauth/callback" for tool in ("linear", "gitlab")),  # Motion connects with a key
}


def test_only_an_oauth_redirect_back_is_left_out_of_the_person_s_pace() -> None:
    # decision 0236: a provider's redirect after a person's consent is a navigation, not the
    # console's request; its tabs' polling must not turn it into a bare 429 page
    from functions.routes.rows import MOVED
    from functions.routes.table import ROUTES

    unpaced = [r for r in ROUTES if not r.paced]
    assert {r.path for r in unpaced} == CALLBACKS
    assert all(r.methods == ("GET",) and r.doc is not None and r.doc.answers == MOVED for r in unpaced)
    c, owner, _ = team()
    api = client("api", c)
    assert [api.get("/runs", headers=auth(owner)).status_code for _ in range(4)] == [200, 200, 200, 429]
    back = [api.get(f"{path}?code=c&state=s", headers=auth(owner)) for path in sorted(CALLBACKS)]
    assert all(a.status_code not in (429, 500) for a in back), [(a.status_code, a.json) for a in back]
    assert api.get("/runs", headers=auth(owner)).status_code == 429  # the pace holds for the rest
