"""GET /runs?q=&since=&until=: finding runs by the words of their goal and by when they began."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.runs.domain.events import RunStatus
from shared.runs.domain.run_search import search_terms, words
from shared.runs.domain.state import Run, RunState
from shared.team.services.sessions import start_session
from tests.api_fakes import FakeContainer, client
from tests.support.runs.api_runs import auth, fake_container

GOALS = ["Summarise the Weekly report", "Draft the launch email", "Weekly café notes", "Tidy the report"]


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def seed(fakes: FakeContainer, base: datetime) -> None:
    for i, goal in enumerate(GOALS * 3):
        at = base + timedelta(minutes=i)
        state = RunState(goal=goal, trigger="api", status=RunStatus.COMPLETED, agent_name="Scribe")
        fakes.store.runs[("t1", f"r{i:02}")] = Run(
            tenant_id="t1", run_id=f"r{i:02}", state=state, created_at=at, updated_at=at
        )
        fakes.store.events[("t1", f"r{i:02}")] = {}


def found(api: Any, token: str, query: str) -> list[str]:
    ids, cursor = [], ""
    while True:
        answer = api.get(f"/runs?{query}&limit=2{'&cursor=' + cursor if cursor else ''}", headers=auth(token))
        assert answer.status_code == 200, answer.json
        ids += [r["run_id"] for r in answer.json["runs"]]
        cursor = answer.json["next_cursor"]
        if not cursor:
            return ids


def test_words_are_folded_and_a_run_keeps_its_goal_and_agent_words() -> None:
    assert words("Weekly CAFÉ, café-notes a") == ["weekly", "cafe", "notes"]
    assert search_terms(RunState(goal="Tidy the Report", agent_name="Scribe")) == [
        "tidy",
        "the",
        "report",
        "scribe",
    ]


def test_search_finds_runs_by_every_word_and_the_range_bounds_them(fakes: FakeContainer) -> None:
    base = datetime.now(UTC) + timedelta(minutes=1)
    seed(fakes, base)
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    weekly = found(api, token, "q=weekly")
    assert weekly == [f"r{i:02}" for i in (10, 8, 6, 4, 2, 0)]
    assert found(api, token, "q=WEEKLY%20Report") == ["r08", "r04", "r00"]
    assert found(api, token, "q=cafe") == ["r10", "r06", "r02"]
    assert len(found(api, token, "q=scribe")) == 12
    assert found(api, token, "q=invoice") == []
    since, until = (base + timedelta(minutes=4)).isoformat(), (base + timedelta(minutes=8)).isoformat()
    ranged = found(
        api, token, f"q=weekly&since={since.replace('+', '%2B')}&until={until.replace('+', '%2B')}"
    )
    assert ranged == ["r06", "r04"]


@pytest.mark.parametrize(
    ("query", "field", "words_in_reason"),
    [
        ("q=%20-%20", "q", "a word of two"),
        ("q=one%20two%20three%20four%20five%20six", "q", "at most 5"),
        ("since=yesterday", "since", ""),
        ("since=2026-01-02T00:00:00", "since", "timezone"),
        ("until=0.5", "until", "as 2026-01-31T09:00:00Z"),  # not a second of 1970
        ("since=2026-01-02", "since", "timezone"),
        ("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "until", "later than since"),
    ],
)
def test_a_bad_search_or_range_is_a_400_naming_it(
    fakes: FakeContainer, query: str, field: str, words_in_reason: str
) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    answer = api.get(f"/runs?{query}", headers=auth(token))
    assert answer.status_code == 400 and answer.json is not None
    assert field in answer.json["reason"]
    assert words_in_reason.lower() in str(answer.json["fields"]).lower()
