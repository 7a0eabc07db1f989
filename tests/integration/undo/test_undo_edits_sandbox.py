"""On the Firestore emulator and the Notion sandbox over HTTP: undo runs taking back what a run
edited beyond properties: its comment deleted (Notion's "Delete a comment", the connection's own),
unless a person replied in its thread; a moved page moved back, unless someone moved it since; a
block's text restored, unless a person edited it since. Each effect reverted once, a second delivery
finding it already back."""

from typing import Any

import pytest

from local.notion_sandbox import SandboxServer
from local.notion_sandbox.testing import Admin
from shared.engine.planning.undo import Asking, ask_undo, undone
from shared.notion.services.notion_access import NotionForTenant
from shared.runs.adapters.firestore_store import FirestoreRunStore
from shared.runs.domain.events import RunStatus, ToolResult
from shared.runs.services.deps import Deps
from tests.integration.undo.conftest import IDS, OWNER
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import drive
from tests.support.undo.written_runs import store_calls

pytestmark = pytest.mark.integration


@pytest.fixture
def deps(firestore_db: Any, notion: NotionForTenant) -> Deps:
    return make_deps()._replace(store=FirestoreRunStore(firestore_db), notion_for=lambda _t: notion)


def page(notion: NotionForTenant, title: str, parent: str = "") -> str:
    where = {"page_id": parent or IDS["task_report"]}
    return str(notion.create_page(where, {"title": {"title": [{"text": {"content": title}}]}}, [])["id"])


def act(sandbox: SandboxServer, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A person (the teammate) makes a /v1 call in Notion."""
    call = {"method": method, "path": path, "body": body, "user_id": IDS["teammate"]}
    answer: dict[str, Any] = Admin(sandbox.url).post("/workspaces/demo/act", call)
    assert answer["status"] == 200, answer
    response: dict[str, Any] = answer["response"]
    return response


def undo_whole(deps: Deps, run_id: str) -> dict[int, dict[str, Any]]:
    """The owner undoes the whole run; its outcomes by effect once the engine stepped it."""
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    asked = ask_undo(deps, run, Asking(OWNER, None, True, lambda _p: True))
    drive(deps)
    made = deps.store.get_run("t1", asked["run_id"])
    assert made is not None and made.state.status == RunStatus.COMPLETED, made and made.state.last_error
    return {u["effect"]: u for u in undone(deps, "t1", asked["run_id"])}


def comment_ids(notion: NotionForTenant, page_id: str) -> list[str]:
    return [str(c["id"]) for c in notion.list_comments(page_id)]


def test_an_undo_deletes_the_runs_comment_but_not_one_a_person_replied_to(
    deps: Deps, running_sandbox: SandboxServer, notion: NotionForTenant
) -> None:
    alone, answered = page(notion, "Commented alone"), page(notion, "Commented and answered")
    calls = [("add_comment", {"page_id": p, "text": "On the wrong page"}) for p in (alone, answered)]
    first, second = store_calls(deps, "api-commented", notion, alone, calls)
    [mine] = comment_ids(notion, alone)
    [theirs] = comment_ids(notion, answered)
    thread = notion.get_comment(theirs)["discussion_id"]
    reply = {"discussion_id": thread, "rich_text": [{"text": {"content": "Keep this"}}]}
    act(running_sandbox, "POST", "/v1/comments", reply)  # a person answers the second comment

    outcomes = undo_whole(deps, "api-commented")
    assert outcomes[first]["outcome"] == "reverted" and comment_ids(notion, alone) == []
    assert mine not in comment_ids(notion, alone)
    assert outcomes[second]["outcome"] == "conflict"
    assert outcomes[second]["current"]["replies"] == 1 and "replied" in outcomes[second]["reason"]
    assert outcomes[second]["written"]["text"].startswith("On the wrong page")
    assert len(comment_ids(notion, answered)) == 2  # the run's comment and the reply, both left


def paragraph(notion: NotionForTenant, page_id: str, text: str) -> str:
    body = {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}}
    [made] = notion.append_blocks(page_id, [body])
    return str(made["id"])


def text_of(notion: NotionForTenant, block: str) -> str:
    return "".join(i["plain_text"] for i in notion.retrieve_block(block)["paragraph"]["rich_text"])


def parent_of(notion: NotionForTenant, page_id: str) -> str:
    return str(notion.retrieve_page(page_id)["parent"]["page_id"]).replace("-", "")


def test_an_undo_moves_pages_back_and_restores_blocks_but_not_over_a_persons_change(
    deps: Deps, running_sandbox: SandboxServer, notion: NotionForTenant
) -> None:
    home, away, elsewhere = page(notion, "Home"), page(notion, "Away"), page(notion, "Elsewhere")
    back, on = page(notion, "Moved back", home), page(notion, "Moved on", home)
    restored, kept = paragraph(notion, home, "Draft one"), paragraph(notion, home, "Draft two")
    calls = [
        ("move_page", {"page_id": back, "to_page_id": away}),
        ("move_page", {"page_id": on, "to_page_id": away}),
        ("update_block", {"page_id": home, "block_id": restored, "text": "Final one"}),
        ("update_block", {"page_id": home, "block_id": kept, "text": "Final two"}),
    ]
    effects = store_calls(deps, "api-edited", notion, home, calls)
    act(
        running_sandbox, "POST", f"/v1/pages/{on}/move", {"parent": {"type": "page_id", "page_id": elsewhere}}
    )
    mine = {"paragraph": {"rich_text": [{"type": "text", "text": {"content": "A person's two"}}]}}
    act(running_sandbox, "PATCH", f"/v1/blocks/{kept}", mine)

    outcomes = undo_whole(deps, "api-edited")
    assert [outcomes[e]["outcome"] for e in effects] == ["reverted", "conflict", "reverted", "conflict"]
    assert parent_of(notion, back) == home.replace("-", "")  # moved back
    assert parent_of(notion, on) == elsewhere.replace("-", "")  # the person's move stands
    assert outcomes[effects[1]]["current"]["parent"].replace("-", "") == elsewhere.replace("-", "")
    assert text_of(notion, restored) == "Draft one"  # restored
    assert text_of(notion, kept) == "A person's two"  # the person's text stands
    assert (outcomes[effects[3]]["written"], outcomes[effects[3]]["current"]) == (
        {"text": "Final two"},
        {"text": "A person's two"},
    )

    run = deps.store.get_run("t1", "api-edited")
    assert run is not None
    again = ask_undo(deps, run, Asking(OWNER, [effects[0], effects[2]], True, lambda _p: True))
    drive(deps)
    assert [u["outcome"] for u in undone(deps, "t1", again["run_id"])] == ["already", "already"]


def test_an_undo_with_children_takes_back_a_child_runs_effects_with_its_parents(
    deps: Deps, running_sandbox: SandboxServer, notion: NotionForTenant
) -> None:
    home = page(notion, "A family's page")
    line = paragraph(notion, home, "Before the family")
    [own] = store_calls(
        deps, "api-parent", notion, home, [("add_comment", {"page_id": home, "text": "Parent"})]
    )
    edit = [("update_block", {"page_id": home, "block_id": line, "text": "The child's line"})]
    [childs] = store_calls(deps, "api-parent-m2-0", notion, home, edit, parent_run_id="api-parent")
    run = deps.store.get_run("t1", "api-parent")
    assert run is not None
    asked = ask_undo(deps, run, Asking(OWNER, None, True, lambda _p: True, children=True))
    assert [(e["run_id"], e["effect"]) for e in asked["effects"]] == [
        ("api-parent-m2-0", childs),
        ("api-parent", own),
    ]
    drive(deps)
    outcomes = [(u["run_id"], u["outcome"]) for u in undone(deps, "t1", asked["run_id"])]
    assert outcomes == [("api-parent-m2-0", "reverted"), ("api-parent", "reverted")]
    assert text_of(notion, line) == "Before the family" and comment_ids(notion, home) == []


def test_an_undo_trashes_a_page_the_run_made_but_not_one_a_person_wrote_in_since(
    deps: Deps, running_sandbox: SandboxServer, notion: NotionForTenant
) -> None:
    home = page(notion, "Where the run made pages")
    calls = [
        ("create_page", {"parent_page_id": home, "title": t, "content": "Made"}) for t in ("Alone", "Used")
    ]
    effects = store_calls(deps, "api-made", notion, home, calls)
    log = deps.store.list_events("t1", "api-made")
    alone, used = (str(e.output["page_id"]) for e in log if isinstance(e, ToolResult) and e.seq in effects)
    note = {"children": [{"paragraph": {"rich_text": [{"type": "text", "text": {"content": "My notes"}}]}}]}
    act(running_sandbox, "PATCH", f"/v1/blocks/{used}/children", note)  # a person writes in it

    outcomes = undo_whole(deps, "api-made")
    assert [outcomes[e]["outcome"] for e in effects] == ["reverted", "conflict"]
    assert outcomes[effects[1]]["current"] == {"last_edited_by": IDS["teammate"]}
    assert notion.retrieve_page(alone)["in_trash"] is True
    assert notion.retrieve_page(used)["in_trash"] is False  # the person's notes stay in the workspace
