"""Undos under faults, on the real emulators and the Notion sandbox: runs that wrote (a comment, a
child page, a section, a Status) are undone while undo runs are killed at each boundary of their property step,
every task is delivered twice at once, the same undo is asked twice, a person edits a page while its
undo runs, then a second undo of each property change is asked. Prints and asserts ``RESULT undos=
effects_reverted= reverted_twice=0 people_changes_overwritten=0 conflicts_listed=``; the undo runs
add to the suite's line too."""

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from local.notion_sandbox import seed_ids
from shared.engine.planning.undo import Asking, ask_undo, undone
from shared.runs.domain.events import RunStatus, ToolIntent
from shared.undo.domain.asking import Asker
from tests.reliability import harness
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import TENANT, ScriptedPlanModel, Stack, StepCrashes

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
IDS = seed_ids("demo")
OWNER = Asker(member="m-owner", person=IDS["owner"], role="owner")
PROPERTY_STEP = 2  # the undo's step restoring Status: the run wrote it third of four, undone newest first
PERSON = "Done"  # what a person sets Status to while the page's undo runs


class WritingModel(ScriptedPlanModel):
    """Plans a goal ``write|<run>|<page>``: a comment on the page, a line on it, Status set to
    Exploring, a child page under it, then finish."""

    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            ("add_comment", {"page_id": page, "text": f"A comment from {run}"}),
            ("append_blocks", {"page_id": page, "text": f"A line from {run}"}),
            (
                "update_properties",
                {"page_id": page, "properties": {"Status": {"status": {"name": "Exploring"}}}},
            ),
            ("create_page", {"parent_page_id": page, "title": f"Child of {run}", "content": "Hello"}),
            ("finish", {"summary": "wrote"}),
        ]


def killing_notion(inner: Any, crashes: StepCrashes, undo_of: dict[str, str]) -> Any:
    """``inner`` whose token-bound clients kill the undo run of ``undo_of`` (page → undo run) once
    its Status is restored, before the result is recorded."""

    class Bound:
        def __init__(self, client: Any) -> None:
            self.client = client

        def __getattr__(self, name: str) -> Any:
            return getattr(self.client, name)

        def update_page_properties(self, page: str, properties: Any) -> Any:
            answer = self.client.update_page_properties(page, properties)
            if page in undo_of:
                crashes.hit(undo_of[page], PROPERTY_STEP, "effect_result")
            return answer

    class Notion:
        def __getattr__(self, name: str) -> Any:
            return getattr(inner, name)

        def with_token(self, token: str) -> Bound:
            return Bound(inner.with_token(token))

    return Notion()


def person_sets_status(stack: Stack, page: str) -> None:
    body = {"properties": {"Status": {"status": {"name": PERSON}}}}
    call = {"method": "PATCH", "path": f"/v1/pages/{page}", "body": body, "user_id": IDS["teammate"]}
    answer = stack.admin.post("/workspaces/demo/act", call)
    assert answer["status"] == 200, answer


def editing_store(inner: Any, stack: Stack, pages_of: dict[str, str]) -> Any:
    """The run store; when an undo run of ``pages_of`` (undo run → page) records its property step's
    intent, a person sets that page's Status: after the undo began, before it compares."""
    edited: set[str] = set()
    lock = threading.Lock()

    class Store:
        def __getattr__(self, name: str) -> Any:
            return getattr(inner, name)

        def add_event(self, tenant: str, run: str, event: Any) -> bool:
            ok = bool(inner.add_event(tenant, run, event))
            if isinstance(event, ToolIntent) and event.step == PROPERTY_STEP and run in pages_of:
                with lock:
                    if run not in edited:
                        edited.add(run)
                        person_sets_status(stack, pages_of[run])
            return ok

    return Store()


def status(stack: Stack, page: str) -> str:
    found = stack.deps.need_notion(TENANT).retrieve_page(page)
    return str(found["properties"]["Status"]["status"]["name"])


def undo_all(stack: Stack, runs: list[str], chosen: dict[str, list[int]] | None = None) -> dict[str, str]:
    """Each run's undo asked (all its effects, or ``chosen``) by the owner: run → undo run."""
    asked = {}
    for run in runs:
        found = stack.deps.store.get_run(TENANT, run)
        assert found is not None, run
        picked = chosen[run] if chosen else None
        asked[run] = ask_undo(stack.deps, found, Asking(OWNER, picked, True, lambda _p: True))["run_id"]
    return asked


def test_undos_killed_delivered_twice_and_edited_revert_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    with harness.engine_stack(
        tmp_path, monkeypatch, WritingModel(), plan_attempts=harness.DUPLICATES_ATTEMPTS
    ) as stack:
        # Wrapped before the engine's parts are built (once): the kills, the edits and the pages
        # they concern are filled in once the undos are asked.
        crashes, edited, undo_of = StepCrashes({}), dict[str, str](), dict[str, str]()
        stack.wrap(
            "store", lambda inner: editing_store(harness.crashing_store(inner, crashes), stack, edited)
        )
        stack.wrap("notion", lambda inner: killing_notion(inner, crashes, undo_of))
        pages = {}
        for i in range(scale(6, 9)):
            idea = {"title": f"Undo {i}", "content": ["An idea."], "status": "New"}
            pages[f"wrote-{i}"] = str(stack.admin.post("/workspaces/demo/ideas", idea)["response"]["id"])
        for run, page in pages.items():
            stack.start(run, page, goal=f"write|{run}|{page}")
        stack.settle()
        runs = list(pages)
        assert all(stack.state(r).status == RunStatus.COMPLETED for r in runs), stack.describe(runs)  # type: ignore[union-attr]  # None fails the check
        written = len(stack.requests())  # the log's length once the runs wrote: reverts come after

        first = undo_all(stack, runs)
        assert undo_all(stack, runs) == first  # the same undo asked again: the same run, made once
        kills = [first[r] for i, r in enumerate(runs) if i % 3 != 2]  # at each boundary in turn
        killed = {
            run: (PROPERTY_STEP, harness.BOUNDARIES[k % len(harness.BOUNDARIES)])
            for k, run in enumerate(kills)
        }
        crashes.plan |= killed
        edited |= {first[r]: pages[r] for i, r in enumerate(runs) if i % 3 == 2}
        undo_of |= {pages[r]: first[r] for r in runs}
        stack.settle(twice=True)
        stack.settle(twice=True)  # deliveries answered 503 while a killed intent's lease ran out
        for _ in range(10):  # a kill whose twin delivery was acknowledged: the sweeper takes it again
            if all((s := stack.state(u)) is not None and s.status.terminal for u in first.values()):
                break
            time.sleep(1.1)  # past the killed step's lease (step_lease_s)
            stack.sweep()
            stack.settle(twice=True)

        # A second undo of each property change, asked after the first ended: a different choice, a new run.
        props = {r: [u["effect"] for u in undone(stack.deps, TENANT, first[r]) if u["tool"] == "update_properties"] for r in runs}  # fmt: skip
        second = undo_all(stack, runs, props)
        stack.settle(twice=True)
        undos = [*first.values(), *second.values()]
        outcomes = [
            (r, u) for r in runs for run in (first[r], second[r]) for u in undone(stack.deps, TENANT, run)
        ]
        again = {r: undone(stack.deps, TENANT, second[r]) for r in runs}
        states = {run: stack.state(run) for run in undos}
        pulled = [r for r in stack.requests() if r["seq"] > written and r["status"] == 200]
        writes = Counter((r["method"], r["path"]) for r in pulled if r["method"] in ("PATCH", "DELETE"))
        final = {r: status(stack, p) for r, p in pages.items()}
        seen = stack.notion_state()
        notion, comments = seen["pages"], seen["comments"]

    # Taken back: reverted, or found so after the undo was killed between its write and its result.
    back = {(r, u["effect"]) for r, u in outcomes if u["outcome"] in ("reverted", "already")}
    reverted = Counter((r, u["effect"]) for r, u in outcomes if u["outcome"] == "reverted")
    # Nothing reverted twice: by the undo logs, and by Notion's own log (one write per page or block).
    reverted_twice = sum(n > 1 for n in reverted.values()) + sum(n > 1 for n in writes.values())
    people = {r for r in runs if first[r] in edited}
    overwritten = sum(final[r] != PERSON for r in people)
    conflicts = {(r, u["effect"]) for r, u in outcomes if u["outcome"] == "conflict"}
    print(
        f"RESULT undos={len(set(undos))} effects_reverted={len(back)} reverted_twice={reverted_twice} "
        f"people_changes_overwritten={overwritten} conflicts_listed={len(conflicts)}"
    )
    result = harness.outcome_counts(states, {RunStatus.COMPLETED}) | {"duplicated_effects": reverted_twice}
    TOTALS.update(result)
    assert result == harness.sound(len(undos)), (result, {run: s and s.status for run, s in states.items()})
    assert crashes.done == set(killed), "every planned kill happened"
    assert len(set(undos)) == 2 * len(runs)
    # Each run's four effects taken back, but the Status a person set during the undo.
    assert len(back) == 4 * len(runs) - len(people)
    assert len(reverted) == len(back) - sum(b == "effect_result" for _, b in killed.values())
    children = [p for p in notion if p["parent"].get("page_id") in set(pages.values())]
    assert len(children) == len(runs) and all(p["in_trash"] for p in children)
    lines = [line["text"] for p in notion if p["id"] in set(pages.values()) for line in p["content"]]
    assert not [t for t in lines if "A line from" in t], lines  # every section cleared
    assert not [c for c in comments if "A comment from" in str(c)], comments  # every comment deleted
    assert sum(m == "DELETE" and "/comments/" in p for m, p in writes) == len(runs)  # each once
    assert reverted_twice == 0 and overwritten == 0
    assert conflicts == {(r, props[r][0]) for r in people}  # listed by both undos, counted once each
    assert all(final[r] == "New" for r in runs if r not in people)
    # The second undo found each taken back already, or a person's change left as it is.
    assert {r: [u["outcome"] for u in taken] for r, taken in again.items()} == {
        r: ["conflict" if r in people else "already"] for r in runs
    }
