"""Notion's refusals that say what to fix, over real HTTP against the Notion sandbox: the adapter makes
a 400 ``validation_error`` and a 404 ``object_not_found`` model-fixable (keeping Notion's status, code
and message, and still a PermanentError for the readers outside tool steps), and a tool step that
meets one is repaired by the model with Notion's message, written once, instead of failing the run."""

import json
from collections.abc import Iterator

import pytest

from local.notion_sandbox import SandboxServer, seed_ids
from local.notion_sandbox.testing import Admin
from shared.adapters.notion import NotionApi, NotionApiError, build_client
from shared.domain.events import ErrorKind, ErrorRecorded, PlannedStep, RunPlanned, RunStatus, ToolResult
from shared.domain.tasks import StepTask
from shared.errors import ModelFixableError, PermanentError
from shared.services.deps import BoundNotion
from shared.services.engine import run_step
from tests.engine_fakes import FakeModel, make_deps

pytestmark = pytest.mark.integration
TOKEN = "ntn_sandbox_demo"
IDS = seed_ids("demo")
STEP = StepTask(tenant_id="t1", run_id="r1", step=1)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture
def admin(server: SandboxServer) -> Admin:
    admin = Admin(server.url)
    admin.post("/reset")
    return admin


@pytest.fixture
def notion(server: SandboxServer, admin: Admin) -> NotionApi:
    return NotionApi(build_client(server.url, timeout_s=10), max_inline_wait_s=1.0)


def test_a_property_typo_and_an_unknown_page_are_model_fixable_with_notions_words(notion: NotionApi) -> None:
    typo = {"Stauts": {"status": {"name": "Done"}}}
    with pytest.raises(ModelFixableError) as invalid:
        notion.update_page_properties(TOKEN, IDS["task_report"], typo)
    error = invalid.value
    assert isinstance(error, NotionApiError) and isinstance(error, PermanentError)
    assert (error.status, error.notion_code) == (400, "validation_error")
    assert "Stauts is not a property that exists." in error.notion_message and "Stauts" in error.reason
    with pytest.raises(ModelFixableError) as missing:
        notion.retrieve_page(TOKEN, "00000000-0000-4000-8000-000000000000")
    assert isinstance(missing.value, NotionApiError)
    assert (missing.value.status, missing.value.notion_code) == (404, "object_not_found")


def test_an_update_notion_refuses_is_repaired_by_the_model_and_written_once(
    notion: NotionApi, admin: Admin
) -> None:
    page = IDS["task_report"]
    fixed = {"page_id": page, "properties": {"Status": {"status": {"name": "Done"}}}}
    model = FakeModel({"ArgsFix": [{"args_json": json.dumps(fixed)}]})
    deps = make_deps(model=model)._replace(notion_for=lambda _t: BoundNotion(notion, lambda op: op(TOKEN)))
    typo = {"page_id": page, "properties": {"Stauts": {"status": {"name": "Done"}}}}
    head = RunPlanned(
        seq=1,
        at=deps.clock(),
        goal="g",
        trigger="api",
        steps=[
            PlannedStep(tool="update_properties", args=typo),
            PlannedStep(tool="finish", args={"summary": "ok"}),
        ],
        tools=["finish", "update_properties"],
        page_id=page,
    )
    assert deps.store.create_run("t1", "r1", [head])
    assert not run_step(STEP, deps).acted
    error = deps.store.list_events("t1", "r1")[-1]
    assert isinstance(error, ErrorRecorded) and error.error == ErrorKind.MODEL_FIXABLE
    assert "Stauts is not a property that exists." in error.message
    assert run_step(STEP, deps).acted
    assert "Stauts is not a property that exists." in model.prompts[-1][1]
    result = deps.store.list_events("t1", "r1")[-1]
    assert isinstance(result, ToolResult) and result.args == fixed
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.RUNNING and run.state.cursor == 2
    status = notion.retrieve_page(TOKEN, page)["properties"]["Status"]["status"]["name"]
    assert status == "Done"
    assert admin.get("/workspaces/demo/state")["writes"].get("pages.update", 0) == 1
