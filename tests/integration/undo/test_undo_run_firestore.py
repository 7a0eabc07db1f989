"""On the Firestore emulator and the Notion sandbox over HTTP: a run that wrote two
rows' Status; a person changes one of them; its undo is a run of its own, stepped by the engine,
that takes the other back and leaves the person's change, listed as a conflict with both values.
The same request again starts nothing; its step delivered again, and an undo of the same effect asked
after a person changed it again, revert nothing twice."""

from typing import Any

import pytest

from local.notion_sandbox import SandboxServer
from local.notion_sandbox.testing import Admin
from shared.engine.planning.undo import Asking, ask_undo, undone
from shared.engine.services.engine import run_step
from shared.notion.services.notion_access import NotionForTenant
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import RunStatus, ToolResult
from shared.runs.domain.state import fold
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.integration.undo.conftest import IDS, OWNER
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import drive, queue
from tests.support.undo.written_runs import store_written

pytestmark = pytest.mark.integration


def row(notion: NotionForTenant, title: str) -> str:
    props = {"Name": {"title": [{"text": {"content": title}}]}, "Status": {"status": {"name": "Not started"}}}
    return str(notion.create_page({"data_source_id": IDS["tasks_data_source"]}, props, [])["id"])


def status_of(notion: NotionForTenant, page: str) -> str:
    return str(notion.retrieve_page(page)["properties"]["Status"]["status"]["name"])


def person_sets(sandbox: SandboxServer, page: str, value: str) -> None:
    body = {"properties": {"Status": {"status": {"name": value}}}}
    answer = Admin(sandbox.url).post(
        "/workspaces/demo/act",
        {"method": "PATCH", "path": f"/v1/pages/{page}", "body": body, "user_id": IDS["teammate"]},
    )
    assert answer["status"] == 200, answer


def undo_results(deps: Deps, run_id: str) -> list[ToolResult]:
    return [
        e
        for e in deps.store.list_events("t1", run_id)
        if isinstance(e, ToolResult) and e.tool == "undo_effect"
    ]


def test_an_undo_is_a_run_that_leaves_a_persons_change_and_reverts_nothing_twice(
    firestore_db: Any, running_sandbox: SandboxServer, notion: NotionForTenant
) -> None:
    deps = make_deps()._replace(store=FirestoreRunStore(firestore_db), notion_for=lambda _t: notion)
    first, second = row(notion, "Undo me"), row(notion, "A person's now")
    store_written(deps, "api-wrote", notion, first, second)  # both set to Done through update_properties
    assert [status_of(notion, p) for p in (first, second)] == ["Done", "Done"]
    person_sets(running_sandbox, second, "In progress")  # a person's later change

    run = deps.store.get_run("t1", "api-wrote")
    assert run is not None
    asked = ask_undo(deps, run, Asking(OWNER, None, True, lambda _p: True))
    assert asked["made"] is True
    task = next(t for _, t, _, _ in queue(deps).tasks if isinstance(t, StepTask))
    drive(deps)  # the engine steps the undo run (an effect beyond its own page: the owner approves)

    undo = deps.store.get_run("t1", asked["run_id"])
    assert undo is not None
    assert undo.state.status == RunStatus.COMPLETED, undo.state.last_error
    assert status_of(notion, first) == "Not started"  # taken back
    assert status_of(notion, second) == "In progress"  # the person's change, left
    outcomes = {u["effect"]: u for u in undone(deps, "t1", asked["run_id"])}
    assert outcomes[2]["outcome"] == "reverted"
    assert outcomes[5]["outcome"] == "conflict"
    assert (outcomes[5]["written"], outcomes[5]["current"]) == ({"Status": "Done"}, {"Status": "In progress"})

    again = ask_undo(deps, run, Asking(OWNER, None, True, lambda _p: True))
    assert (again["run_id"], again["made"]) == (asked["run_id"], False)
    assert not queue(deps).tasks  # nothing new started
    run_step(task, deps)  # the undo's first step delivered again
    assert len(undo_results(deps, asked["run_id"])) == 2  # each effect's step once in its log

    person_sets(running_sandbox, first, "Done")  # a person sets it again, by hand
    only = ask_undo(deps, run, Asking(OWNER, [2], True, lambda _p: True))
    assert only["made"] is True and only["run_id"] != asked["run_id"]
    drive(deps)
    [taken] = undone(deps, "t1", only["run_id"])
    assert taken["outcome"] == "conflict" and taken["written"] == taken["current"] == {"Status": "Done"}
    assert status_of(notion, first) == "Done"  # never reverted twice over the person's change


def test_an_undo_undone_writes_the_run_again_but_over_a_persons_change_and_replays(
    firestore_db: Any, running_sandbox: SandboxServer, notion: NotionForTenant
) -> None:
    deps = make_deps()._replace(store=FirestoreRunStore(firestore_db), notion_for=lambda _t: notion)
    first, second = row(notion, "Redo me"), row(notion, "A person's after the undo")
    store_written(deps, "api-wrote-again", notion, first, second)
    run = deps.store.get_run("t1", "api-wrote-again")
    assert run is not None
    asked = ask_undo(deps, run, Asking(OWNER, None, True, lambda _p: True))
    drive(deps)
    assert [status_of(notion, p) for p in (first, second)] == ["Not started", "Not started"]
    person_sets(running_sandbox, second, "In progress")  # a person's change after the undo

    undo = deps.store.get_run("t1", asked["run_id"])
    assert undo is not None and undo.state.status == RunStatus.COMPLETED
    redo = ask_undo(deps, undo, Asking(OWNER, None, True, lambda _p: True))
    assert redo["made"] is True and redo["undoes"] == asked["run_id"]
    drive(deps)

    again = deps.store.get_run("t1", redo["run_id"])
    assert again is not None and again.state.status == RunStatus.COMPLETED, again and again.state.last_error
    assert status_of(notion, first) == "Done"  # the run's write, applied again
    assert status_of(notion, second) == "In progress"  # the person's change, left
    outcomes = sorted((u["outcome"], u["written"], u["current"]) for u in undone(deps, "t1", redo["run_id"]))
    assert outcomes == [
        ("conflict", {"Status": "Not started"}, {"Status": "In progress"}),
        ("reverted", {"Status": "Not started"}, {"Status": "Done"}),
    ]
    log = deps.store.list_events("t1", redo["run_id"])
    assert fold(log) == again.state  # replayable: its own log rebuilds it, as any run's
