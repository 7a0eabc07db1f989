"""Sessions in the storm (shared/sessions, decision 0169): many sessions' messages through the api's
routes on the Firestore emulator, each delivered twice (one pair in four at the same moment), one in
four again late, shuffled, a third killed after the message's record and a third after it was acted
on, the client sending again after each 500. Each plan task is delivered twice, each run killed once
at a boundary of its write; then steering messages to the runs that ask, stormed alike. Prints
``RESULT session_messages=<n> runs_started=<n> lost=0 duplicated=0 steers=<n>``, each figure asserted."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.runs.domain.events import HumanResponded, RunStatus
from shared.sessions.domain.sessions import run_id_for
from shared.team.services.sessions import start_session
from shared.workspace.domain.members import Member, member_id_for
from tests.reliability import harness
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import Crash, ScriptedPlanModel, Stack, StepCrashes, crashing_store
from tests.support.platform.fake_container import client
from tests.support.workspace.tenants import a_tenant

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
EPOCH = "epoch-rel"
# The write of each run here waits for its approval, whose decision records the intent with the state
# (not crashing_store's add_event): the boundary left is after the result's append, before its enqueue.
BOUNDARY = "result_enqueue"


class SessionModel(ScriptedPlanModel):
    """``write``: comment on the page, finish; ``ask``: ask a question first. A session's goal carries
    its earlier messages before ``Now: ...``: the last ``<kind>|<run>|<page>`` is this run's."""

    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        kind, run, page = harness.GOAL_NAMES.findall(goal)[-1]
        comment = ("add_comment", {"page_id": page, "text": f"A comment from {run}"})
        asked = [("ask_question", {"question": "Which owner?"})] if kind == "ask" else []
        return [*asked, comment, ("finish", {"summary": "done"})]


class KilledSessions:
    """The sessions' store, whose instance dies once per key of ``after_receive`` right after the
    message is recorded, and once per key of ``after_settle`` after it was acted on and settled."""

    def __init__(self, inner: Any, after_receive: set[str], after_settle: set[str]) -> None:
        self.inner, self.after_receive, self.after_settle = inner, after_receive, after_settle
        self.killed = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def receive(self, *args: Any, key: str, **kwargs: Any) -> Any:
        found = self.inner.receive(*args, key=key, **kwargs)
        self._kill(self.after_receive, key)
        return found

    def settle(self, tenant_id: str, member_id: str, session_id: str, key: str, **fields: Any) -> Any:
        settled = self.inner.settle(tenant_id, member_id, session_id, key, **fields)
        self._kill(self.after_settle, key)
        return settled

    def _kill(self, keys: set[str], key: str) -> None:
        if key in keys:
            keys.discard(key)
            self.killed += 1
            raise Crash(f"killed after writing {key}")


def _owner(stack: Stack) -> str:
    """The workspace's owner, with a console session (its bearer token)."""
    now = datetime.now(UTC)
    owner = Member(
        member_id=member_id_for("user-owner"), notion_user_id="user-owner", email="o@example.com",
        role="owner", added_at=now, epoch="e-owner",
    )  # fmt: skip
    tenants: Any = stack.container.port("tenants")  # the stack's FakeTenantStore
    tenants.save(
        a_tenant(
            harness.TENANT, "ws", now, token_secret="tok", owner_user_id=owner.notion_user_id,
            owner_email=owner.email, session_epoch=EPOCH,
        )
    )  # fmt: skip
    secrets: Any = stack.container.port("secrets")
    return start_session(harness.TENANT, secrets, epoch=EPOCH, member=owner)


def _storm(api: Any, token: str, said: list[dict[str, Any]], rng: random.Random) -> Counter[str]:
    """Each message of ``said`` delivered twice (one pair in four at once), one in four a third time
    late, shuffled; a 500 sent again later. The outcomes by status."""
    together = {s["key"] for s in said[1::4]}
    deliveries = [s for s in said for n in range(1 if s["key"] in together else 2)]
    rng.shuffle(deliveries)
    deliveries += said[::4]
    outcomes: Counter[str] = Counter()
    while deliveries:
        one = deliveries.pop(0)
        pair = 2 if one["key"] in together else 1
        together.discard(one["key"])
        with ThreadPoolExecutor(pair) as both:
            statuses = list(both.map(_post, [api] * pair, [token] * pair, [one] * pair))
        for status in statuses:
            outcomes[str(status)] += 1
            if status >= 500:
                deliveries.insert(rng.randrange(len(deliveries) + 1), one)
            else:
                assert status in (200, 409), (status, one)
    return outcomes


def _post(api: Any, token: str, one: dict[str, Any]) -> int:
    body = {"text": one["text"], "act": one["act"], "request_id": one["key"]}
    answer = api.post(
        f"/sessions/{one['session']}/messages", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    return int(answer.status_code)


def test_each_session_message_starts_one_run_and_each_steer_is_taken_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    rng = random.Random(187)
    # One person sends the whole storm: their api pace (a 429 beyond it) raised out of its way.
    pace: dict[str, Any] = {"api_person_per_min": 60_000.0, "api_burst": 10_000}
    model, attempts = SessionModel(), harness.DUPLICATES_ATTEMPTS
    with harness.engine_stack(tmp_path, monkeypatch, model=model, plan_attempts=attempts, **pace) as stack:
        token, api = _owner(stack), client("api", stack.container)
        auth = {"Authorization": f"Bearer {token}"}
        sessions = []
        for i in range(scale(6, 45)):
            for _ in range(2):  # a session opened twice is one session
                made = api.post("/sessions", json={"request_id": f"open-{i}"}, headers=auth)
            assert made.status_code == 201, made.get_json()
            sessions.append(made.get_json()["session_id"])
        runs: list[dict[str, Any]] = []
        for i, session in enumerate(sessions):
            # Two sessions in three: one run that asks a question, then steered; the third: three runs.
            for j, kind in enumerate(("ask",) if i % 3 else ("write", "write", "write")):
                key = f"m{i}-{j}"
                run = run_id_for(session, key)
                page = stack.new_idea(f"Idea {key}")
                text = f"{kind}|{run}|{page}"
                runs.append(
                    {"session": session, "key": key, "act": "run", "text": text, "run": run, "kind": kind}
                )
        keys = [r["key"] for r in runs]
        killing = KilledSessions(stack.container.sessions.sessions, set(keys[0::3]), set(keys[1::3]))
        stack.container.instance.built["sessions"] = killing
        crashes = StepCrashes({r["run"]: (2 if r["kind"] == "ask" else 1, BOUNDARY) for r in runs})
        stack.wrap("store", lambda inner: crashing_store(inner, crashes))
        first = _storm(api, token, runs, rng)
        stack.settle(twice=True)
        asking = [r for r in runs if r["kind"] == "ask"]
        # Each asking run is its session's only one, so its latest: a steer answers its question.
        steers = [
            {"session": r["session"], "key": f"steer-{r['key']}", "act": "steer", "text": f"Owner: Grace {n}",
             "run": r["run"]}
            for n, r in enumerate(asking)
        ]  # fmt: skip
        killing.after_receive |= {s["key"] for s in steers[0::3]}
        killing.after_settle |= {s["key"] for s in steers[1::3]}
        waiting = [stack.state(r["run"]) for r in asking]
        second = _storm(api, token, steers, rng)
        stack.settle(twice=True)
        stack.settle()  # approvals whose notes came in the last round (decided as a person would)
        tally = _tally(stack, api, auth, sessions, runs, steers)
        unsettled = _unsettled(api, auth, runs + steers)
        states = {r["run"]: stack.state(r["run"]) for r in runs}
        left = [r for r, s in states.items() if s is None or s.status != RunStatus.COMPLETED]
        stack_left = stack.describe(left)  # shown when a run did not complete
    said = len(runs) + len(steers)
    print(
        f"RESULT session_messages={said} runs_started={tally['runs']} lost={tally['lost']} "
        f"duplicated={tally['duplicated']} steers={tally['steers']}"
    )
    TOTALS.update(
        {"runs": tally["runs"], "lost": tally["lost"], "harness.duplicated_effects": tally["duplicated"]}
    )
    assert all(s is not None and s.status == RunStatus.WAITING_FOR_HUMAN for s in waiting), waiting
    assert (tally["lost"], tally["duplicated"]) == (0, 0), (tally, unsettled)
    assert tally["runs"] == len(runs) and tally["steers"] == len(steers)
    # Each run asked its approval in a message the person acted on (approve_from_outbox), however the
    # deliveries raced: a run left waiting would be one whose person was never told.
    ended = Counter(s.status.value if s else "lost" for s in states.values())
    assert set(ended) == {"completed"}, (ended, stack_left)
    done = {r for r, s in states.items() if s is not None and s.status == RunStatus.COMPLETED}
    assert done <= crashes.done  # every completed run crashed once at its planned boundary
    assert killing.killed == len(keys[0::3]) + len(keys[1::3]) + len(steers[0::3]) + len(steers[1::3])
    assert first["500"] and second["500"] and not killing.after_receive | killing.after_settle, (
        first,
        second,
    )


def _tally(
    stack: Stack, api: Any, auth: dict[str, str], sessions: list[str], runs: list[dict[str, Any]],
    steers: list[dict[str, Any]],
) -> dict[str, int]:  # fmt: skip
    """What the storm left: runs in the store, messages lost or kept twice, steers taken."""
    kept: Counter[str] = Counter()
    recorded: dict[str, dict[str, Any]] = {}
    for session in sessions:
        read = api.get(f"/sessions/{session}?limit=200", headers=auth).get_json()
        places = [m["place"] for m in read["messages"]]
        assert places == list(range(1, read["count"] + 1)), read  # each message in one place
        for message in read["messages"]:
            kept[message["request_id"]] += 1
            recorded[message["request_id"]] = message
    started = {r.run_id for r in stack.deps.store.list_runs(harness.TENANT, limit=1000)}
    expected = {r["run"] for r in runs}
    lost = sum(kept[m["key"]] == 0 for m in runs + steers) + len(expected - started)
    lost += sum(recorded.get(r["key"], {}).get("run_id") != r["run"] for r in runs)
    taken = Counter(  # the runs' answers to their question: each steer's, once
        r["run"] for r in steers for e in stack.deps.store.list_events(harness.TENANT, r["run"])
        if isinstance(e, HumanResponded) and e.decision == "answer"
    )  # fmt: skip
    steered = [recorded.get(s["key"], {}) for s in steers]
    lost += sum(
        m.get("state") != "steered" or m.get("run_id") != s["run"]
        for m, s in zip(steered, steers, strict=True)
    )
    pages = {r["run"]: r["text"].rsplit("|", 1)[1] for r in runs}
    duplicated = (
        sum(n - 1 for n in kept.values())
        + len(started - expected)
        + sum(n - 1 for n in taken.values())
        + harness.duplicated_effects(stack, pages)
    )
    return {
        "runs": len(started),
        "lost": lost,
        "duplicated": duplicated,
        "steers": sum(n == 1 for n in taken.values()),
    }


def _unsettled(api: Any, auth: dict[str, str], said: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Each message not started or steered as recorded (key, state, reason): what a failed tally prints."""
    found = []
    for session in {s["session"] for s in said}:
        read = api.get(f"/sessions/{session}?limit=200", headers=auth).get_json()
        found += [(m["request_id"], m["state"], m["reason"]) for m in read["messages"]]
    return [f for f in found if f[1] not in ("started", "steered")]
