"""Undos under faults, on the real emulators and the Notion sandbox: runs that wrote (a comment, a
child page, a section, a Status) are undone while undo runs are killed at each boundary of their property step,
every task is delivered twice at once, the same undo is asked twice, a person edits a page while its
undo runs, then a second undo of each property change is asked. Prints and asserts ``RESULT undos=
effects_reverted= reverted_twice=0 people_changes_overwritten=0 conflicts_listed=``; the undo runs
add to the suite's line too. The same storm on tracker undos: Linear issues moved by runs, set back
to their very state while undo runs are killed at each boundary and people move them meanwhile."""

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local.gitlab_sandbox import GitLabServer
from local.gitlab_sandbox.app import PROJECT_PATH
from local.linear_sandbox import LinearServer
from local.linear_sandbox.app import TEAM_ID
from local.motion_sandbox import MotionServer
from local.motion_sandbox.app import WORKSPACE_ID
from local.notion_sandbox import seed_ids
from shared.engine.planning.undo import Asking, ask_undo, undone
from shared.runs.domain.events import RunStatus
from shared.undo.domain.asking import Asker
from tests.reliability import harness
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import TENANT, ScriptedPlanModel, Stack, StepCrashes
from tests.support.undo import tracker_storm
from tests.support.undo.tracker_storm import REVIEW, editing_at_intent

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


def settle_killed(stack: Stack, undos: list[str]) -> None:
    """Deliver (each task twice) until every undo run ended, the sweeper taking again a killed step
    whose twin delivery was acknowledged."""
    stack.settle(twice=True)
    stack.settle(twice=True)  # deliveries answered 503 while a killed intent's lease ran out
    for _ in range(10):
        if all((s := stack.state(u)) is not None and s.status.terminal for u in undos):
            return
        time.sleep(1.1)  # past the killed step's lease (step_lease_s)
        stack.sweep()
        stack.settle(twice=True)


def tally(name: str, states: dict[str, Any], figures: tuple[int, int, int, int], tracker: str = "") -> None:
    """Print the storm's RESULT line (``name``: its count of undo runs; ``figures``: effects taken back,
    reverted twice, people's changes overwritten, conflicts listed; ``tracker``: whose undos), add the
    runs to the suite's line, and assert nothing was lost, stuck, failed or done twice."""
    back, twice, overwritten, conflicts = figures
    print(
        f"RESULT {name}={len(states)} effects_reverted={back} reverted_twice={twice} "
        f"people_changes_overwritten={overwritten} conflicts_listed={conflicts}"
        + (f" tracker={tracker}" if tracker else "")
    )
    result = harness.outcome_counts(states, {RunStatus.COMPLETED}) | {"duplicated_effects": twice}
    TOTALS.update(result)
    assert result == harness.sound(len(states)), (result, {run: s and s.status for run, s in states.items()})


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


def redo_all(stack: Stack, undos: list[str]) -> dict[str, Any]:
    """Each undo run undone in turn by the owner, asked twice (the same redo), every task delivered
    twice until all ended: redo run → its state."""
    redos = undo_all(stack, undos)
    assert undo_all(stack, undos) == redos
    settle_killed(stack, list(redos.values()))
    return {r: stack.state(r) for r in redos.values()}


def test_undos_killed_delivered_twice_and_edited_revert_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    with harness.engine_stack(
        tmp_path,
        monkeypatch,
        WritingModel(),
        plan_attempts=harness.DUPLICATES_ATTEMPTS,
        step_lease_s=TRACKER_LEASE_S,  # a slow Notion write is not overtaken while under way
    ) as stack:
        # Wrapped before the engine's parts are built (once): the kills, the edits and the pages
        # they concern are filled in once the undos are asked.
        crashes, edited, undo_of = StepCrashes({}), dict[str, str](), dict[str, str]()
        stack.wrap(
            "store",
            lambda inner: editing_at_intent(
                harness.crashing_store(inner, crashes),
                PROPERTY_STEP,
                edited,
                lambda p: person_sets_status(stack, p),
            ),
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
        settle_killed(stack, list(first.values()))

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
    figures = (len(back), reverted_twice, overwritten, len(conflicts))
    tally("undos", states, figures)
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


def taken_back(outcomes: list[tuple[str, Any]], storm: Any) -> tuple[set[tuple[str, int]], int]:
    """The (run, effect) pairs taken back (reverted, or found so after the undo was killed between its
    write and its result) and how many were reverted twice: by the undo logs, and by the tracker's own
    count of restores, archives (closes) and deletions (``storm``: a tracker_storm adapter)."""
    back = {(r, u["effect"]) for r, u in outcomes if u["outcome"] in ("reverted", "already")}
    reverted = Counter((r, u["effect"]) for r, u in outcomes if u["outcome"] == "reverted")
    return back, sum(n > 1 for n in reverted.values()) + int(storm.twice())


TRACKER_STEP = 3  # the undo's step restoring the issue: the run set it first of three, undone newest first
# A step's lease outlives its tracker requests, as production's settings check holds (NA_STEP_LEASE_S
# above every request timeout): the harness's 1 s let a loaded CI machine's slow write be overtaken
# while still under way, which a deployment cannot do, and counted it reverted twice.
TRACKER_LEASE_S = 4.0


class TrackingModel(ScriptedPlanModel):
    """Plans a goal ``track|<run>|<page> <issue>``: the issue moved to Done, an issue made, a comment
    on the first, then finish."""

    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        issue = goal.rsplit(" ", 1)[-1]
        return [
            ("update_issue", {"tool": "linear", "target": TEAM_ID, "issue_id": issue, "status": "completed"}),
            ("create_issue", {"tool": "linear", "target": TEAM_ID, "title": f"Made by {run}"}),
            (
                "comment_on_issue",
                {"tool": "linear", "target": TEAM_ID, "issue_id": issue, "body": f"Done by {run}"},
            ),
            ("finish", {"summary": "tracked"}),
        ]


def test_tracker_undos_killed_at_each_boundary_delivered_twice_and_edited_revert_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    """Runs that moved a Linear issue from In Review to Done, made one and commented; their undo runs killed at
    each boundary of the step restoring the issue (before the write, after it before its result is
    recorded, after recording), every task delivered twice, a person moving the issue as an undo
    begins or between its check and its write; then each undo undone (asked twice, delivered twice):
    what it reverted written again and each archived issue brought back, once. Prints and asserts
    ``RESULT tracker_undos= effects_reverted= reverted_twice=0 people_changes_overwritten=0 conflicts_listed=``."""
    with (
        LinearServer() as server,
        harness.engine_stack(
            tmp_path,
            monkeypatch,
            TrackingModel(),
            plan_attempts=harness.DUPLICATES_ATTEMPTS,
            step_lease_s=TRACKER_LEASE_S,
        ) as stack,
    ):
        tracker_storm.connect(stack.container, TENANT, server.url)
        crashes, at_intent = StepCrashes({}), dict[str, str]()
        linear = tracker_storm.StormLinear(
            stack.container.port("linear"),
            server.sandbox,
            lambda run: crashes.hit(run, TRACKER_STEP, "effect_result"),
        )
        stack.wrap("linear", lambda _inner: linear)

        def moved_by_a_person(issue: str) -> None:
            server.sandbox.edit(issue, stateId=tracker_storm.PERSON)

        stack.wrap(
            "store",
            lambda inner: editing_at_intent(
                harness.crashing_store(inner, crashes), TRACKER_STEP, at_intent, moved_by_a_person
            ),
        )
        issues = {
            f"tracked-{i}": server.sandbox.add_issue(f"Item {i}", stateId=REVIEW) for i in range(scale(6, 9))
        }
        for run, issue in issues.items():
            stack.start(run, stack.new_idea(f"Track {run}"), goal=f"track|{run}|page {issue}")
        stack.settle()
        runs = list(issues)
        assert all(stack.state(r).status == RunStatus.COMPLETED for r in runs), stack.describe(runs)  # type: ignore[union-attr]  # None fails the check
        assert all(server.sandbox.view(i)["state"]["name"] == "Done" for i in issues.values())

        first = undo_all(stack, runs)
        assert undo_all(stack, runs) == first  # asked again: the same undo run, made once
        kills = [r for i, r in enumerate(runs) if i % 3 != 2]
        killed = {
            first[r]: (TRACKER_STEP, harness.BOUNDARIES[k % len(harness.BOUNDARIES)])
            for k, r in enumerate(kills)
        }
        crashes.plan |= killed
        people = [r for i, r in enumerate(runs) if i % 3 == 2]
        at_intent |= {first[r]: issues[r] for r in people[::2]}  # as the undo begins
        linear.window |= {issues[r] for r in people[1::2]}  # between the undo's check and its write
        linear.kill |= {issues[r]: first[r] for r in kills}
        settle_killed(stack, list(first.values()))
        outcomes = [(r, u) for r in runs for u in undone(stack.deps, TENANT, first[r])]
        states = {run: stack.state(run) for run in first.values()}
        final = {r: server.sandbox.view(i)["state"]["name"] for r, i in issues.items()}
        made = [str(i["id"]) for i in server.sandbox.issues.values() if str(i["title"]).startswith("Made by")]
        archived = {i: server.sandbox.view(i)["archivedAt"] is not None for i in made}
        comments = [c for c in server.sandbox.comments.values() if str(c["body"]).startswith("Done by")]
        redos = redo_all(stack, list(first.values()))  # each undo undone, every task delivered twice
        again = {r: server.sandbox.view(i)["state"]["name"] for r, i in issues.items()}
        back_again = {i: server.sandbox.view(i)["archivedAt"] is None for i in made}

    back, reverted_twice = taken_back(outcomes, linear)
    overwritten = sum(final[r] != "Canceled" for r in people)
    # The redo (decisions 0188, 0197): what each undo reverted is written again, once; an issue it
    # archived is brought back, once; a person's change (a conflict) and a found-back state are left.
    restored = {r for r, u in outcomes if u["outcome"] == "reverted" and u["target"] == issues[r]}
    assert all(s is not None and s.status == RunStatus.COMPLETED for s in redos.values()), redos
    assert {r: again[r] for r in runs} == {r: "Done" if r in restored else final[r] for r in runs}
    assert all(back_again.values()) and sorted(linear.unarchives.values()) == [1] * len(made)
    conflicts = {(r, u["effect"]) for r, u in outcomes if u["outcome"] == "conflict"}
    tally("tracker_undos", states, (len(back), reverted_twice, overwritten, len(conflicts)), "linear")
    assert crashes.done == set(killed), "every planned kill happened"
    assert reverted_twice == 0 and overwritten == 0
    assert len(back) == 3 * len(runs) - len(people)  # each run's three effects, but the issue a person moved
    assert {r for r, _ in conflicts} == set(people) and len(conflicts) == len(people)
    assert all(
        final[r] == "In Review" for r in runs if r not in people
    )  # the very state, not its group's first
    assert len(made) == len(runs) and all(archived.values())
    assert not comments and len(linear.deletes) == len(runs)  # every comment deleted, each once


GITLAB = {"tool": "gitlab", "target": PROJECT_PATH}
MOTION = {"tool": "motion", "target": WORKSPACE_ID}
# The undo's step restoring the item: GitLab's issue set first of three, undone newest first; Motion's
# task's status set first of two (then a task made), undone second.
ITEM_STEP = {"gitlab": 3, "motion": 2}
RENAMED = "Renamed by a person"  # a GitLab title a person sets as the undo begins
STARTED = "In Progress"  # each Motion task's status before its run; a person's: Canceled


class OtherTrackersModel(ScriptedPlanModel):
    """Plans a goal ``gitlab|<run>|page <iid>``: the issue closed and renamed, an issue made, a note on
    the first; ``motion|<run>|page <task>``: the task's status set to completed, a task made; then finish."""

    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        item, done = goal.rsplit(" ", 1)[-1], ("finish", {"summary": "tracked"})
        if kind == "motion":
            return [
                ("update_task", {**MOTION, "task_id": item, "status": "completed"}),
                ("create_task", {**MOTION, "title": f"Made by {run}"}),
                done,
            ]
        return [
            ("update_issue", {**GITLAB, "issue_id": item, "status": "completed", "title": f"Fixed by {run}"}),
            ("create_issue", {**GITLAB, "title": f"Made by {run}"}),
            ("comment_on_issue", {**GITLAB, "issue_id": item, "body": f"Done by {run}"}),
            done,
        ]


def other_tracker(tool: str, stack: Stack, server: Any, hit: Any) -> tuple[dict[str, str], Any, Any]:
    """The tenant connected to ``tool``'s sandbox, six (nine) items in it (run → item), its storm
    adapter wrapped in the engine, and a person's edit of an item as an undo begins."""
    names = [f"{tool}-{i}" for i in range(scale(6, 9))]
    if tool == "gitlab":
        tracker_storm.connect_gitlab(stack.container, TENANT, server.url)
        items = {r: str(server.sandbox.add_issue(f"Item {r}")) for r in names}
        storm: Any = tracker_storm.StormGitLab(
            stack.container.port("gitlab"), server.sandbox, set(items.values()), hit
        )

        def renamed(iid: str) -> None:
            server.sandbox.edit(int(iid), title=RENAMED)

        person: Callable[[str], None] = renamed

    else:
        tracker_storm.connect_motion(stack.container, TENANT, server.api_url)
        items = {r: server.sandbox.add_task(f"Item {r}") for r in names}
        for task in items.values():
            server.sandbox.edit(task, status=STARTED)

        def canceled(task: str) -> None:
            server.sandbox.edit(task, status="Canceled")

        person = canceled
        storm = tracker_storm.StormMotion(stack.container.port("motion"), STARTED, hit, person)

    stack.wrap(tool, lambda _inner: storm)
    return items, storm, person


def seen(tool: str, server: Any, item: str) -> tuple[str, str]:
    """A GitLab issue's (state, title), a Motion task's (status, name), as its sandbox holds it."""
    if tool == "gitlab":
        found = server.sandbox.view(int(item))
        return str(found["state"]), str(found["title"])
    task = server.sandbox.tasks[item]
    return str(task["status"]["name"]), str(task["name"])


MADE_RENAMED = "Made, then renamed by a person"  # an issue a run made, renamed as its undo checks it


def made_by(lab: Any, run: str) -> str:
    """The iid of the GitLab issue ``run`` made."""
    [iid] = [k for k, i in lab.issues.items() if i["title"] == f"Made by {run}"]
    return str(iid)


def made_and_noted(tool: str, sandbox: Any) -> tuple[dict[Any, bool], list[dict[str, Any]]]:
    """The GitLab sandbox's issues the runs made (iid → whether closed) and the runs' notes left; the
    Motion sandbox's tasks the runs made and are left (none once undone: each deleted)."""
    if tool == "motion":
        return {k: False for k, t in sandbox.tasks.items() if str(t["name"]).startswith("Made by")}, []
    made = {
        k: i["state"] == "closed" for k, i in sandbox.issues.items() if str(i["title"]).startswith("Made")
    }
    return made, [n for ns in sandbox.notes.values() for n in ns if "Done by" in str(n["body"])]


@pytest.mark.parametrize("tool", ["gitlab", "motion"])
def test_gitlab_and_motion_undos_killed_delivered_twice_and_edited_revert_nothing_twice(
    tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    """The Linear storm on GitLab (an issue closed and renamed, one made, a note) and Motion (a task's
    status, a task made): undo runs killed at each boundary of the step restoring the item, every task
    delivered twice, a person editing an item as the undo begins (a GitLab title, a Motion status: a
    conflict) or between the check and the write (GitLab's reopen, the undo's own value: it stands;
    Motion's status, and a GitLab issue a run made renamed, found by the re-read: a conflict, decision
    0197). Prints and asserts
    ``RESULT tracker_undos= ... tracker=``."""
    step = ITEM_STEP[tool]
    with (
        GitLabServer() if tool == "gitlab" else MotionServer() as server,
        harness.engine_stack(
            tmp_path,
            monkeypatch,
            OtherTrackersModel(),
            plan_attempts=harness.DUPLICATES_ATTEMPTS,
            step_lease_s=TRACKER_LEASE_S,
        ) as stack,
    ):
        crashes, at_intent = StepCrashes({}), dict[str, str]()
        items, storm, person = other_tracker(
            tool, stack, server, lambda run: crashes.hit(run, step, "effect_result")
        )
        stack.wrap(
            "store",
            lambda inner: editing_at_intent(harness.crashing_store(inner, crashes), step, at_intent, person),
        )
        for run, item in items.items():
            stack.start(run, stack.new_idea(f"Track {run}"), goal=f"{tool}|{run}|page {item}")
        stack.settle()
        runs = list(items)
        assert all(stack.state(r).status == RunStatus.COMPLETED for r in runs), stack.describe(runs)  # type: ignore[union-attr]  # None fails the check
        done = {r: seen(tool, server, i)[0] for r, i in items.items()}
        assert set(done.values()) == {"closed" if tool == "gitlab" else "Completed"}, done

        first = undo_all(stack, runs)
        assert undo_all(stack, runs) == first  # asked again: the same undo run, made once
        kills = [r for i, r in enumerate(runs) if i % 3 != 2]
        killed = {
            first[r]: (step, harness.BOUNDARIES[k % len(harness.BOUNDARIES)]) for k, r in enumerate(kills)
        }
        crashes.plan |= killed
        people = [r for i, r in enumerate(runs) if i % 3 == 2]
        early = people[::2]  # as the undo begins: a conflict
        # Between the check and the write: GitLab's reopen, the undo's own value, stands; Motion's
        # status, before the undo's re-read, is kept as a conflict (decision 0197).
        late = [r for r in people if r not in early]
        at_intent |= {first[r]: items[r] for r in early}
        storm.window |= {items[r] for r in late}
        if tool == "gitlab":  # and the issue each late run made, renamed just after the undo's check
            storm.renames |= {made_by(server.sandbox, r): MADE_RENAMED for r in late}
        storm.kill |= {items[r]: first[r] for r in kills}
        settle_killed(stack, list(first.values()))
        outcomes = [(r, u) for r in runs for u in undone(stack.deps, TENANT, first[r])]
        states = {run: stack.state(run) for run in first.values()}
        final = {r: seen(tool, server, i) for r, i in items.items()}
        made, notes = made_and_noted(tool, server.sandbox)
        lab: Any = server.sandbox
        issues = lab.issues.values() if tool == "gitlab" else []
        renamed = [i for i in issues if i["title"] == MADE_RENAMED and i["state"] == "opened"]

    back, reverted_twice = taken_back(outcomes, storm)
    kept = {r: (RENAMED if tool == "gitlab" else "Canceled") for r in early}
    kept |= {r: ("opened" if tool == "gitlab" else "Canceled") for r in late}
    overwritten = sum(kept[r] not in final[r] for r in people)
    overwritten += len(late) - len(renamed) if tool == "gitlab" else 0  # a made issue's person's title
    conflicts = {(r, u["effect"]) for r, u in outcomes if u["outcome"] == "conflict"}
    tally("tracker_undos", states, (len(back), reverted_twice, overwritten, len(conflicts)), tool)
    assert crashes.done == set(killed), "every planned kill happened"
    assert reverted_twice == 0 and overwritten == 0
    effects = 3 if tool == "gitlab" else 2
    left = early if tool == "gitlab" else people  # items a person kept (Motion's late by the re-read)
    # GitLab's late runs: their made issue, renamed in the re-read's window, kept (decision 0197).
    assert len(back) == effects * len(runs) - len(people)  # every effect, but those people kept
    assert {r for r, _ in conflicts} == set(people) and len(conflicts) == len(people)
    before = {r: ("opened", f"Item {r}") if tool == "gitlab" else (STARTED, f"Item {r}") for r in runs}
    assert {r: final[r] for r in runs if r not in left} == {r: before[r] for r in runs if r not in left}
    assert len(storm.restores) == len(runs) - len(left)  # each restored once, but where a person was first
    if tool == "gitlab":
        assert len(made) == len(runs) and sum(made.values()) == len(storm.archives) == len(runs) - len(late)
        assert not notes and len(storm.deletes) == len(runs)  # every note deleted, each once
    else:
        assert not made and len(storm.deletes) == len(runs)  # every task made deleted, each once
