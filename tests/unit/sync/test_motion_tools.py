"""Motion's task tools in a run (decision 0122): create_task, update_task and comment_on_task are external
effects the owner approves first, made once per step key against the Motion sandbox (in process, our
paced adapter), signed without a visible id (decision 0130); a workspace other than the connected one, or
beyond the agent's reach, is refused."""

import re
from typing import Any

import pytest

from local.motion_sandbox.app import PERSONAL_WORKSPACE_ID, WORKSPACE_ID
from shared.bootstrap import Container
from shared.engine.services import humans
from shared.platform.config import Settings
from shared.runs.domain.approval_digests import TRACKER_WRITES, effect_digest
from shared.runs.domain.events import ErrorRecorded, HumanRequested
from shared.runs.domain.state import RunState, RunStatus
from shared.runs.services.deps import Deps
from shared.sync.domain.motion import text_of
from shared.sync.domain.writes import Place
from shared.tools import REGISTRY
from shared.tools.base import SideEffect, idempotency_key
from tests.engine_fakes import FakeNotion
from tests.fakes import FakeQueue, FakeRunStore, FakeTenantStore
from tests.support.engine.engine_runs import forged_run, run_until_held
from tests.support.sync.sync_fakes import FakeGitLab, FakeLinear, FakeSyncStore
from tests.support.sync.tracker_fakes import motion_parts, motion_writes, tracker_writes

TASK = ("create_task", {"tool": "motion", "target": WORKSPACE_ID, "title": "Ship", "body": "Notes"})


def _run(*steps: tuple[str, dict[str, Any]], **planned: Any) -> tuple[Deps, Any]:
    notion = FakeNotion()
    page = notion.add_page("Weekly notes", None, "plan the release")
    tasks, sandbox = motion_writes()
    writes, _, _ = tracker_writes(motion=tasks)
    return forged_run(notion, page, *steps, **planned)._replace(trackers=lambda: writes), sandbox


def _state(deps: Deps) -> RunState:
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    return run.state


def _approve_all(deps: Deps) -> RunState:
    for _ in range(5):
        state = run_until_held(deps)
        if state.waiting is None:
            return state
        humans.respond(deps, "t1", "r1", "approve", request_id=state.waiting.request_id)
    return _state(deps)


def test_the_motion_tools_are_gated_external_effects_found_again_by_key() -> None:
    for name in ("create_task", "update_task", "comment_on_task"):
        tool = REGISTRY[name]
        assert tool.effect == SideEffect.EXTERNAL and tool.uses_trackers and name in TRACKER_WRITES
    assert REGISTRY["create_task"].find is not None and REGISTRY["comment_on_task"].find is not None


def test_a_task_is_made_updated_and_commented_once_each_only_after_the_owner_approves() -> None:
    deps, sandbox = _run(TASK)
    waiting = run_until_held(deps).waiting
    assert (
        waiting is not None and waiting.effects == (effect_digest(*TASK),) and WORKSPACE_ID in waiting.prompt
    )
    assert sandbox.tasks == {}  # nothing before the owner says so
    assert _approve_all(deps).status == RunStatus.COMPLETED
    [task_id] = sandbox.tasks
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "update_task",
            {"tool": "motion", "target": WORKSPACE_ID, "task_id": task_id, "status": "completed"},
        ),
        ("comment_on_task", {"tool": "motion", "target": WORKSPACE_ID, "task_id": task_id, "body": "Done."}),
    ]
    notion = FakeNotion()
    page = notion.add_page("Weekly notes", None, "close it")
    writes, _, _ = tracker_writes(motion=_same(sandbox))
    later = forged_run(notion, page, *steps)._replace(trackers=lambda: writes)
    assert _approve_all(later).status == RunStatus.COMPLETED
    assert sandbox.tasks[task_id]["status"]["name"] == "Completed" and len(sandbox.comments) == 1
    assert sandbox.creates == 1 and sandbox.undocumented == []
    task, [comment] = sandbox.tasks[task_id], sandbox.comments
    shown = [task["name"], text_of(task["description"]), text_of(comment["content"])]
    assert shown == ["Ship", "Notes\n\nNotion Agent", "Done.\n\nNotion Agent"]  # what a person reads
    assert not any(re.search(r"ref\b|[0-9a-f]{10}|r1:", text) for text in shown)  # no key, no hash
    assert all("?ref=" in str(x) for x in (task["description"], comment["content"]))  # in the link only


def _same(sandbox: Any) -> Any:
    """Task writes over ``sandbox`` (one Motion across two runs)."""
    tasks, fresh = motion_writes()
    fresh.tasks, fresh.comments = sandbox.tasks, sandbox.comments
    return tasks


@pytest.mark.parametrize("target", [PERSONAL_WORKSPACE_ID, "ws-evil"])
def test_a_workspace_other_than_the_connected_one_is_refused_even_once_approved(target: str) -> None:
    deps, sandbox = _run(("create_task", {**TASK[1], "target": target}))
    _approve_all(deps)
    errors = [e.message for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    assert any(f"use workspace {WORKSPACE_ID}" in m for m in errors), errors
    assert sandbox.tasks == {} and sandbox.requests == 0


def test_a_task_beyond_the_agent_s_reach_is_refused_without_asking() -> None:
    deps, sandbox = _run(TASK, reach_trackers=["linear:team-1"])
    run_until_held(deps)
    events = list(deps.store.list_events("t1", "r1"))
    assert not [e for e in events if isinstance(e, HumanRequested) and e.effects]
    errors = [e.message for e in events if isinstance(e, ErrorRecorded)]
    assert errors and "beyond the trackers this agent may write to" in errors[0]
    assert sandbox.requests == 0
    within, _ = _run(TASK, reach_trackers=[f"motion:{WORKSPACE_ID}"])
    assert run_until_held(within).waiting is not None  # within its reach: the owner is asked


def test_the_engine_s_motion_writes_link_to_the_console_the_settings_name() -> None:
    secrets, store, api, sandbox = motion_parts()
    ports = {"store": FakeRunStore(), "queue": FakeQueue(), "secrets": secrets, "tenants": FakeTenantStore()}
    trackers = {"motion_store": store, "motion": api, "sync_store": FakeSyncStore(), "linear": FakeLinear()}
    others = {"gitlab_store": FakeSyncStore(), "gitlab": FakeGitLab()}
    container = Container(Settings(frontend_url="https://console.example"), **ports, **trackers, **others)
    trackers_of = container.engine(with_model=False).trackers
    assert trackers_of is not None
    at, key = Place("t1", "motion", WORKSPACE_ID), idempotency_key("t1", "r7", 2)
    made = trackers_of().motion.create(at, "Ship", "Notes", key)
    description = sandbox.tasks[made["task_id"]]["description"]
    assert '<a href="https://console.example/?ref=' in description and "#/runs/r7" in description
