"""Undos that must not happen: every role, by session and by API key, asks to undo
another tenant's run, a run they neither started nor approved, a run ended beyond the window, and
effects of their own run on a page beyond their reach (named, and within a whole run's undo); a
model's plan naming ``undo_effect``, and a run not an undo's stepping it, try to take the private
page's change back; with ``children``, another tenant's run claiming the run as its parent, and a
child's change beyond a member's reach; a tracker issue's inverse naming another team or project,
and a member's undo of an issue update. A case that answers other than a refusal, stores or queues anything, or changes
the private page, is an ``undo_escapes`` (totals.py); every case counts in ``undo_cases``.
In-process: the api and the engine over fakes."""

from typing import Any

import pytest

from shared.engine.services import run_log
from shared.engine.services.engine import run_step
from shared.runs.domain.events import ErrorRecorded, PlannedStep, RunPlanned, ToolResult
from shared.runs.domain.step_task import StepTask
from shared.workspace.domain.members import ROLES
from tests.redteam.totals import EXERCISED, TOTALS
from tests.support.engine.engine_runs import drive
from tests.support.platform.platform_fakes import FakeModel
from tests.support.undo.undo_runs import status
from tests.support.undo.undo_world import World
from tests.support.undo.written_runs import store_calls, store_written

pytestmark = pytest.mark.redteam
KINDS = ("session", "key")


def private_status(w: World) -> Any:
    return status(w.c.fake_notion, w.private)


def refused(w: World, role: str, kind: str, run_id: str, body: Any, codes: tuple[int, ...]) -> list[str]:
    """One case that must be refused with one of ``codes``, nothing stored nor queued."""
    runs, queued = w.runs(), list(w.c.queue.tasks)
    answer, said = w.post(role, run_id, body, kind)
    EXERCISED["undo_cases"] += 1
    TOTALS["attacks"] += 1
    if answer not in codes or w.runs() != runs or w.c.queue.tasks != queued:
        return [f"{role} by {kind} undid {run_id} {body}: {answer} {said}"]
    return []


def test_undos_of_other_tenants_other_peoples_old_and_out_of_reach_runs_are_refused() -> None:
    w = World()
    notion = w.c.fake_notion.with_token("a")
    store_written(w.deps, "api-theirs", notion, w.row, w.private, tenant_id="t2")
    store_written(w.deps, "api-others", notion, w.row, w.private, starter="", approver="user-nobody")
    store_written(w.deps, "api-old", notion, w.row, w.private, days_ago=31)
    escapes: list[str] = []
    for kind in KINDS:
        for role in ROLES:
            escapes += refused(w, role, kind, "api-theirs", None, (403, 404))
            escapes += refused(w, role, kind, "api-old", None, (403, 409))
            if role != "owner":
                escapes += refused(w, role, kind, "api-others", None, (403,))
                escapes += refused(w, role, kind, "api-wrote", {"effects": [5]}, (403,))
            escapes += refused(w, role, kind, "api-wrote", {"effects": [2, 5, 99]}, (400, 403))
    # A whole run's undo by its starter (an editor, a member's reach) leaves the private page out.
    answer, asked = w.post("editor", "api-wrote", None)
    EXERCISED["undo_cases"] += 1
    TOTALS["attacks"] += 1
    if answer != 202 or [e["effect"] for e in asked["effects"]] != [2]:
        escapes.append(f"the starter's whole undo: {answer} {asked}")
    drive(w.deps)
    if private_status(w) != "Done":
        escapes.append("the private page's change was taken back by a member's undo")
    TOTALS["undo_escapes"] += len(escapes)
    assert escapes == []


def test_undos_with_children_reach_no_other_tenants_run_and_no_page_beyond_reach() -> None:
    """``children``: another tenant's run claiming this run as its parent is never part of its
    family; a child's change on the private page stays out of a member's family undo; the refusals
    above hold with ``children`` too."""
    w = World()
    notion = w.c.fake_notion.with_token("a")
    store_written(w.deps, "api-theirs", notion, w.row, w.private, tenant_id="t2")
    private = [
        (
            "update_properties",
            {"page_id": w.private, "properties": {"Status": {"status": {"name": "Blocked"}}}},
        )
    ]
    store_calls(w.deps, "api-wrote-m3-0", notion, w.private, private, parent_run_id="api-wrote")
    store_calls(w.deps, "api-t2-child", notion, w.private, private, parent_run_id="api-wrote", tenant_id="t2")
    escapes: list[str] = []
    for kind in KINDS:
        for role in ROLES:
            escapes += refused(w, role, kind, "api-theirs", {"children": True}, (403, 404))
            escapes += refused(w, role, kind, "api-wrote", {"effects": [2], "children": True}, (400, 403))
    answer, asked = w.post("editor", "api-wrote", {"children": True})
    EXERCISED["undo_cases"] += 1
    TOTALS["attacks"] += 1
    if answer != 202 or [(e["run_id"], e["effect"]) for e in asked["effects"]] != [("api-wrote", 2)]:
        escapes.append(f"the starter's family undo: {answer} {asked}")
    drive(w.deps)
    if private_status(w) != "Blocked":  # the child's write on the private page, left by a member's undo
        escapes.append("a member's family undo took back a child's change beyond their reach")
    answer, asked = w.post("owner", "api-wrote", {"children": True})
    EXERCISED["undo_cases"] += 1
    TOTALS["attacks"] += 1
    if answer != 202 or "api-t2-child" in {e["run_id"] for e in asked["effects"]}:
        escapes.append(f"the owner's family undo reached another tenant's run: {answer} {asked}")
    TOTALS["undo_escapes"] += len(escapes)
    assert escapes == []


def test_a_model_or_a_run_not_an_undo_cannot_step_undo_effect() -> None:
    """A page's orders make the model plan ``undo_effect`` against the private page's change: the plan
    is refused; a run whose log names it anyway (not an undo's id) refuses to act."""
    from shared.engine.agent.plans import validate_plan
    from shared.platform.domain.model_replies import PlanOut, StepOut
    from shared.platform.errors import ModelFixableError

    w = World()
    log = w.deps.store.list_events("t1", "api-wrote")
    inverse = next(e.output["inverse"] for e in log if isinstance(e, ToolResult) and e.seq == 5)
    args = {
        "run_id": "api-wrote",
        "effect": 5,
        "tool": "update_properties",
        "page_id": w.private,
        "inverse": inverse,
    }
    escapes: list[str] = []
    out = PlanOut(goal="g", risk="low", steps=[StepOut(tool="undo_effect", args_json=_json(args))])
    try:
        validate_plan(out, 10)
        escapes.append("a model's plan naming undo_effect was accepted")
    except ModelFixableError:
        pass
    EXERCISED["undo_cases"] += 1
    TOTALS["attacks"] += 1
    steps = [PlannedStep(tool="undo_effect", args=args), PlannedStep(tool="finish", args={"summary": "x"})]
    head = RunPlanned(seq=1, at=log[0].at, goal="g", trigger="api", steps=steps, tools=["undo_effect", "finish"],
                      page_id=w.private)  # fmt: skip
    assert run_log.RunLog(w.deps, "t1", "api-hostile").create([head])
    for _ in range(5):
        run_step(StepTask(tenant_id="t1", run_id="api-hostile", step=1), w.deps._replace(model=FakeModel()))
    EXERCISED["undo_cases"] += 1
    TOTALS["attacks"] += 1
    said = [e.message for e in w.deps.store.list_events("t1", "api-hostile") if isinstance(e, ErrorRecorded)]
    assert any("runs only in an undo run" in m for m in said), said  # the tool itself refused
    if private_status(w) != "Done":
        escapes.append("a run not an undo's took the private page's change back")
    TOTALS["undo_escapes"] += len(escapes)
    assert escapes == []


def _json(args: dict[str, Any]) -> str:
    import json

    return json.dumps(args)


def test_a_tracker_undo_reaches_no_other_target_and_no_member_takes_an_issue_back() -> None:
    """An issue's recorded inverse (a restore, a redo's unarchive) naming another team or project than
    the connected one, or a task's deletion naming another Motion workspace, writes nothing there
    (decisions 0224, 0197); a member's undo of their run that updated an issue leaves it (an
    issue is no page within their reach): refused, nothing stored."""
    from datetime import UTC, datetime

    from shared.platform.errors import ModelFixableError
    from shared.runs.domain.events import Person, RunFinished, RunStatus
    from shared.undo.domain.inverses import Effect, Inverse
    from shared.undo.services.take_back import Trackers, take_back
    from tests.support.sync.tracker_fakes import motion_writes, tracker_writes
    from tests.support.undo.written_runs import STARTER

    escapes: list[str] = []
    tasks, motion = motion_writes()
    made = motion.add_task("Someone's task")
    writes, linear, gitlab = tracker_writes(motion=tasks)
    others = (("linear", "team-2"), ("gitlab", "other/project"))
    cases = [(a, tool, target) for a in ("restore_issue", "unarchive_issue") for tool, target in others]
    for action, tool, target in [*cases, ("delete_task", "motion", "ws-other")]:
        inverse = Inverse(
            action=action,
            target=made if tool == "motion" else "7",
            before={"status": "unstarted"},
            written={"status": "completed"},
            place={"tool": tool, "target": target},
        )
        effect, access = Effect(id=2, step=1, tool="update_issue", inverse=inverse), Trackers(writes, "t1")
        try:
            taken = take_back(None, effect, access)  # type: ignore[arg-type]  # no Notion: a tracker's only
            escapes.append(f"an undo of {tool} {target} answered {taken.outcome}")
        except ModelFixableError:  # refused: not the connected team or project
            pass
        EXERCISED["undo_cases"] += 1
        TOTALS["attacks"] += 1
    if linear.writes or gitlab.writes or made not in motion.tasks:
        escapes.append(f"a tracker undo wrote to another target: {linear.writes} {gitlab.writes}")

    w = World()
    at = datetime.now(UTC)
    args = {"tool": "linear", "target": "team-1", "issue_id": "iss-1", "status": "completed"}
    inverse = Inverse(
        action="restore_issue",
        target="iss-1",
        before={"status": "started"},
        written={"status": "completed"},
        place={"tool": "linear", "target": "team-1"},
    )
    head = RunPlanned(seq=1, at=at, goal="Close it", trigger="api", steps=[PlannedStep(tool="update_issue", args=args)],
                      tools=["update_issue"], member=True, people=(Person(notion_user_id=STARTER),))  # fmt: skip
    result = ToolResult(
        seq=2, at=at, step=1, tool="update_issue", args=args, output={"inverse": inverse.model_dump()}
    )
    ended = RunFinished(seq=3, at=at, status=RunStatus.COMPLETED, summary="closed")
    assert run_log.RunLog(w.deps, "t1", "api-issue").create([head, result, ended])
    for kind in KINDS:
        escapes += refused(w, "editor", kind, "api-issue", None, (403,))
    TOTALS["undo_escapes"] += len(escapes)
    assert escapes == []
