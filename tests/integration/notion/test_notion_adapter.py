"""The Notion adapter (notion-client underneath) against the Notion sandbox over real HTTP: whole pages,
batching, splitting, pagination, error mapping (429/529/5xx/4xx/401) and the 401 refresh. Notion's
refusals that say what to fix (400 ``validation_error``, 404 ``object_not_found``) are model-fixable,
keeping Notion's status, code and message (still a PermanentError for the readers outside tool steps),
and a tool step that meets one is repaired by the model with Notion's message and written once."""

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.notion_sandbox import SandboxServer, seed_ids
from local.notion_sandbox.testing import Admin
from shared.engine.services.engine import run_step
from shared.notion.adapters.notion import NotionApi, NotionApiError, NotionOAuthClient, build_client
from shared.notion.domain.blocks import rich_text, text_blocks
from shared.notion.domain.markdown import markdown_to_blocks
from shared.notion.services.notion_access import NotionAccess, NotionForTenant, ReconnectRequired
from shared.notion.services.page_read import ReadBudget, read_page
from shared.platform.config import PlatformSecret
from shared.platform.errors import ModelFixableError, PermanentError, TransientError, Unauthenticated
from shared.platform.topology import Queue
from shared.runs.domain.events import ErrorKind, ErrorRecorded, PlannedStep, RunPlanned, RunStatus, ToolResult
from shared.runs.domain.step_task import StepTask
from shared.workspace.domain.connecting.connection import NotionTokens, token_secret_name
from shared.workspace.domain.tenants import Tenant, TenantStatus, tenant_id_for
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.log_events import fields_logged
from tests.support.platform.platform_fakes import FakeModel, FakeQueue, FakeSecrets
from tests.support.workspace.workspace_fakes import FakeTenantStore

pytestmark = pytest.mark.integration
TOKEN = "ntn_sandbox_demo"
IDS = seed_ids("demo")


@pytest.fixture
def admin(running_sandbox: SandboxServer) -> Admin:
    admin = Admin(running_sandbox.url)
    admin.post("/reset")
    return admin


@pytest.fixture
def notion(running_sandbox: SandboxServer, admin: Admin) -> NotionApi:
    return NotionApi(build_client(running_sandbox.url, timeout_s=10), max_inline_wait_s=1.0)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    return ["".join(i["plain_text"] for i in b[b["type"]].get("rich_text", [])) for b in blocks]


def requests_to(admin: Admin, fragment: str) -> list[dict[str, Any]]:
    return [r for r in admin.get("/requests") if fragment in r["path"]]


def test_appending_250_blocks_takes_three_requests_and_keeps_their_order(
    notion: NotionApi, admin: Admin
) -> None:
    blocks = [b for i in range(250) for b in text_blocks("paragraph", f"line {i}")]
    created = notion.with_token(TOKEN).append_blocks(IDS["home_page"], blocks)
    assert len(created) == 250
    patches = [r for r in requests_to(admin, "/children") if r["method"] == "PATCH"]
    assert [r["status"] for r in patches] == [200, 200, 200]
    listed = list(notion.with_token(TOKEN).list_children(IDS["home_page"]))
    assert texts(listed)[-250:] == [f"line {i}" for i in range(250)]
    gets = [r for r in requests_to(admin, "/children") if r["method"] == "GET"]
    assert len(gets) == 3  # pages of 100


def test_a_page_with_150_children_is_created_then_completed_by_an_append(
    notion: NotionApi, admin: Admin
) -> None:
    children = [b for i in range(150) for b in text_blocks("paragraph", f"p{i}")]
    title = {"Name": {"title": [{"text": {"content": "Long page"}}]}}
    page = notion.with_token(TOKEN).create_page({"data_source_id": IDS["ideas_data_source"]}, title, children)
    assert texts(list(notion.with_token(TOKEN).list_children(page["id"]))) == [f"p{i}" for i in range(150)]
    assert admin.get("/workspaces/demo/state")["writes"]["blocks.append"] == 1


def test_long_text_and_markdown_are_accepted_whole(notion: NotionApi) -> None:
    long = "é" * 4500 + "😀" * 1500
    markdown = "# Plan\n- [ ] one\n- two\n  - nested\n```python\nprint(1)\n```\n> [!NOTE] hi\n---\n" + long
    created = notion.with_token(TOKEN).append_blocks(IDS["home_page"], markdown_to_blocks(markdown))
    assert [b["type"] for b in created] == [
        "heading_1", "to_do", "bulleted_list_item", "code", "callout", "divider", "paragraph",
    ]  # fmt: skip
    assert texts(created)[-1] == long
    assert created[2]["has_children"]


def test_pagination_walks_every_row_100_at_a_time(
    running_sandbox: SandboxServer, notion: NotionApi, admin: Admin
) -> None:
    setup = NotionApi(
        build_client(running_sandbox.url, timeout_s=10), rate_per_s=1000.0, burst=1000
    )  # unpaced
    for i in range(205):
        title = {"Name": {"title": [{"text": {"content": f"Task {i:03d}"}}]}}
        setup.with_token(TOKEN).create_page({"data_source_id": IDS["tasks_data_source"]}, title)
    admin.delete("/requests")
    rows = list(notion.with_token(TOKEN).query_data_source(IDS["tasks_data_source"]))
    assert len(rows) == 209 and len({r["id"] for r in rows}) == 209  # the 4 seeded tasks too
    assert len(requests_to(admin, "/query")) == 3
    sorted_rows = notion.with_token(TOKEN).query_data_source(
        IDS["tasks_data_source"],
        filter={"property": "Name", "title": {"starts_with": "Task 1"}},
        sorts=[{"property": "Name", "direction": "descending"}],
    )
    names = [r["properties"]["Name"]["title"][0]["plain_text"] for r in sorted_rows]
    assert names[0] == "Task 199" and len(names) == 100
    assert len(list(notion.with_token(TOKEN).search("Task 0"))) == 100


def test_a_429_with_a_long_retry_after_is_raised_at_once_never_slept(notion: NotionApi, admin: Admin) -> None:
    admin.post("/faults", {"status": 429, "count": 1, "retry_after": 30})
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        notion.with_token(TOKEN).retrieve_page(IDS["task_report"])
    assert caught.value.retry_after_s == 30 and time.monotonic() - started < 1.0
    assert len(requests_to(admin, "/pages/")) == 1


def test_a_429_from_the_rate_budget_carries_its_retry_after(notion: NotionApi, admin: Admin) -> None:
    admin.post("/limits", {"requests": 2, "window_seconds": 60})
    notion.with_token(TOKEN).me()
    notion.with_token(TOKEN).me()
    with pytest.raises(TransientError) as caught:
        notion.with_token(TOKEN).me()
    assert caught.value.retry_after_s is not None and caught.value.retry_after_s > 1.0


def test_a_short_429_or_529_is_retried_once_inline_even_for_a_write(notion: NotionApi, admin: Admin) -> None:
    admin.post("/faults", {"status": 429, "count": 1, "retry_after": 0})
    notion.with_token(TOKEN).add_comment(IDS["task_report"], "hello")
    admin.post("/faults", {"status": 529, "count": 1, "retry_after": 0})
    assert notion.with_token(TOKEN).me()["id"] == IDS["bot"]
    assert [r["status"] for r in admin.get("/requests") if r["path"] != "/_sandbox"][-4:] == [
        429,
        200,
        529,
        200,
    ]


def statuses(admin: Admin) -> list[int]:
    return [r["status"] for r in admin.get("/requests") if not r["path"].startswith("/_sandbox")]


def test_requests_are_paced_per_connection_to_stay_inside_notions_rate_limit(
    running_sandbox: SandboxServer, admin: Admin
) -> None:
    # The sandbox refuses a token's 8th request within a second (Notion: three a second on average,
    # with bursts). Twelve reads at once through an unpaced adapter run into it (within three seconds
    # here, so a loaded machine's slow requests still land inside one window); paced at 3 a second
    # (3 at once) the same twelve all pass, and take about three seconds.
    admin.post("/limits", {"requests": 7, "window_seconds": 3})
    unpaced = NotionApi(build_client(running_sandbox.url, timeout_s=10), 0.0, rate_per_s=1000.0, burst=1000)

    def read(_: int) -> str:
        try:
            unpaced.with_token(TOKEN).me()
        except TransientError as exc:
            return str(exc)
        return ""

    with ThreadPoolExecutor(12) as pool:
        refused = [said for said in pool.map(read, range(12)) if said]
    # After its first 429 the adapter holds the connection back itself for the Retry-After it was told,
    # so the later refusals may be its own ("paced") rather than Notion's.
    assert any("429" in said for said in refused), refused
    assert all("429" in said or "paced" in said for said in refused), refused
    assert 429 in statuses(admin)

    admin.post("/reset")
    admin.post("/limits", {"requests": 7, "window_seconds": 1})
    paced = NotionApi(
        build_client(running_sandbox.url, timeout_s=10), max_inline_wait_s=1.0, rate_per_s=3.0, burst=3
    )
    started = time.monotonic()
    for _ in range(12):
        paced.with_token(TOKEN).me()
    elapsed = time.monotonic() - started
    assert statuses(admin).count(200) == 12 and 429 not in statuses(admin)
    assert 2.9 <= elapsed < 6.0  # 3 at once, then 9 more at a third of a second each


def test_a_refusal_holds_back_the_connections_other_requests_but_no_other_connection(
    notion: NotionApi, admin: Admin
) -> None:
    other_token = admin.post("/workspaces", {"key": "acme", "seed": "empty"})["access_token"]
    admin.post("/faults", {"status": 429, "count": 1, "retry_after": 30, "token": TOKEN})
    with pytest.raises(TransientError):
        notion.with_token(TOKEN).retrieve_page(IDS["task_report"])
    before = len(admin.get("/requests"))
    started = time.monotonic()
    with pytest.raises(TransientError, match="paced for this connection") as held:
        notion.with_token(TOKEN).me()  # another step of the same workspace: not sent, rescheduled
    assert 29.0 < (held.value.retry_after_s or 0) <= 30.0 and time.monotonic() - started < 0.5
    assert len(admin.get("/requests")) == before
    assert notion.with_token(other_token).me()["object"] == "user"  # another workspace goes on at once


def test_529_overload_is_transient(notion: NotionApi, admin: Admin) -> None:
    admin.post("/faults", {"overloaded": True, "retry_after": 5})
    with pytest.raises(TransientError) as caught:
        notion.with_token(TOKEN).me()
    assert caught.value.retry_after_s == 5 and "529" in caught.value.reason


def test_a_5xx_is_retried_for_reads_but_not_for_writes(notion: NotionApi, admin: Admin) -> None:
    admin.post("/faults", {"status": 500, "count": 1})
    assert notion.with_token(TOKEN).retrieve_page(IDS["task_report"])["id"] == IDS["task_report"]
    admin.post("/faults", {"status": 503, "count": 1})
    with pytest.raises(TransientError):
        notion.with_token(TOKEN).append_blocks(IDS["home_page"], text_blocks("paragraph", "once"))
    assert admin.get("/workspaces/demo/state")["writes"].get("blocks.append", 0) == 0
    assert len([r for r in requests_to(admin, "/children") if r["method"] == "PATCH"]) == 1


def test_other_4xx_are_permanent_with_notions_code_and_message(notion: NotionApi) -> None:
    with pytest.raises(NotionApiError) as missing:
        notion.with_token(TOKEN).retrieve_page("00000000-0000-4000-8000-000000000000")
    assert missing.value.status == 404 and missing.value.notion_code == "object_not_found"
    with pytest.raises(NotionApiError) as invalid:
        notion.with_token(TOKEN).append_blocks(
            IDS["home_page"], [{"type": "paragraph", "paragraph": {"rich_text": 5}}]
        )
    assert invalid.value.notion_code == "validation_error" and "rich_text" in invalid.value.notion_message


def test_a_refused_token_is_unauthenticated(notion: NotionApi) -> None:
    with pytest.raises(Unauthenticated):
        notion.with_token("ntn_not_a_token").me()


def test_an_unreachable_notion_is_transient() -> None:
    with pytest.raises(TransientError):
        NotionApi(build_client("http://127.0.0.1:9", timeout_s=2)).with_token(TOKEN).me()


# -- 401: refresh through notion_access, against the sandbox's OAuth --------------------------------


def grant(running_sandbox: SandboxServer) -> tuple[NotionOAuthClient, Any]:
    oauth = NotionOAuthClient(build_client(running_sandbox.url, timeout_s=10))
    query = {
        "client_id": "sandbox-client-id",
        "response_type": "code",
        "redirect_uri": "http://cb",
        "state": "s",
    }
    answer = httpx.get(f"{running_sandbox.url}/v1/oauth/authorize", params=query, follow_redirects=False)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    return oauth, oauth.exchange_code("sandbox-client-id", "sandbox-client-secret", code, "http://cb")


def access_with(
    oauth: NotionOAuthClient, tokens: NotionTokens, workspace_id: str
) -> tuple[NotionAccess, str]:
    from datetime import UTC, datetime

    tenant_id = tenant_id_for(workspace_id)
    secrets = FakeSecrets(
        {
            PlatformSecret.NOTION_CLIENT_ID: "sandbox-client-id",
            PlatformSecret.NOTION_CLIENT_SECRET: "sandbox-client-secret",
            token_secret_name(tenant_id, "c1"): tokens.dump(),
        }
    )
    tenants = FakeTenantStore()
    now = datetime.now(UTC)
    tenant = Tenant(
        tenant_id=tenant_id,
        workspace_id=workspace_id,
        token_secret=token_secret_name(tenant_id, "c1"),
        created_at=now,
        updated_at=now,
        owner_email="ada@demo.example",
    )
    tenants.save(tenant)
    return NotionAccess(tenants, secrets, oauth, FakeQueue()), tenant_id


def test_a_401_refreshes_the_token_at_notion_and_the_call_succeeds(
    running_sandbox: SandboxServer, admin: Admin, notion: NotionApi
) -> None:
    oauth, first = grant(running_sandbox)
    access, tenant_id = access_with(
        oauth,
        NotionTokens(access_token=first.access_token, refresh_token=first.refresh_token),
        first.workspace_id,
    )
    admin.post("/faults", {"status": 401, "count": 1, "token": first.access_token})
    me = access.run(tenant_id, lambda token: notion.with_token(token).me())
    assert me["id"] == first.bot_id
    stored = NotionTokens.load(access.secrets.get(token_secret_name(tenant_id, "c1")))
    assert stored.access_token != first.access_token and stored.refresh_token != first.refresh_token
    with pytest.raises(Unauthenticated):  # the sandbox rotated both: the old token is dead
        notion.with_token(first.access_token).me()


def test_a_401_without_a_refresh_token_asks_the_owner_to_reconnect(
    running_sandbox: SandboxServer, admin: Admin, notion: NotionApi
) -> None:
    oauth, first = grant(running_sandbox)
    access, tenant_id = access_with(oauth, NotionTokens(access_token=first.access_token), first.workspace_id)
    oauth.revoke("sandbox-client-id", "sandbox-client-secret", first.access_token)
    with pytest.raises(ReconnectRequired):
        access.run(tenant_id, lambda token: notion.with_token(token).me())
    tenant = access.tenants.get(tenant_id)
    assert tenant is not None and tenant.status == TenantStatus.NEEDS_RECONNECT
    queue = access.queue
    assert isinstance(queue, FakeQueue) and [t[0] for t in queue.tasks] == [Queue.NOTIFY]


def test_a_property_typo_and_an_unknown_page_are_model_fixable_with_notions_words(notion: NotionApi) -> None:
    typo = {"Stauts": {"status": {"name": "Done"}}}
    with pytest.raises(ModelFixableError) as invalid:
        notion.with_token(TOKEN).update_page_properties(IDS["task_report"], typo)
    error = invalid.value
    assert isinstance(error, NotionApiError) and isinstance(error, PermanentError)
    assert (error.status, error.notion_code) == (400, "validation_error")
    assert "Stauts is not a property that exists." in error.notion_message and "Stauts" in error.reason
    with pytest.raises(ModelFixableError) as missing:
        notion.with_token(TOKEN).retrieve_page("00000000-0000-4000-8000-000000000000")
    assert isinstance(missing.value, NotionApiError)
    assert (missing.value.status, missing.value.notion_code) == (404, "object_not_found")


def test_an_update_notion_refuses_is_repaired_by_the_model_and_written_once(
    notion: NotionApi, admin: Admin
) -> None:
    page = IDS["task_report"]
    fixed = {"page_id": page, "properties": {"Status": {"status": {"name": "Done"}}}}
    model = FakeModel({"ArgsFix": [{"args_json": json.dumps(fixed)}]})
    deps = make_deps(model=model)._replace(
        notion_for=lambda _t: NotionForTenant(notion, lambda op: op(TOKEN))
    )
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
    step = StepTask(tenant_id="t1", run_id="r1", step=1)
    assert not run_step(step, deps).acted
    error = deps.store.list_events("t1", "r1")[-1]
    assert isinstance(error, ErrorRecorded) and error.error == ErrorKind.MODEL_FIXABLE
    assert "Stauts is not a property that exists." in error.message
    assert run_step(step, deps).acted
    assert "Stauts is not a property that exists." in model.prompts[-1][1]
    result = deps.store.list_events("t1", "r1")[-1]
    assert isinstance(result, ToolResult) and result.args == fixed
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.RUNNING and run.state.cursor == 2
    status = notion.with_token(TOKEN).retrieve_page(page)["properties"]["Status"]["status"]["name"]
    assert status == "Done"
    assert admin.get("/workspaces/demo/state")["writes"].get("pages.update", 0) == 1


def test_each_refusal_is_one_notion_refused_line(
    notion: NotionApi, admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    """The dashboard's Notion 429s (terraform/monitoring.tf) count these lines, with Notion's status."""
    admin.post("/faults", {"status": 429, "count": 1, "retry_after": 0})
    with caplog.at_level(logging.WARNING, logger="shared.notion.adapters.notion"):
        notion.with_token(TOKEN).me()
        admin.post("/faults", {"status": 529, "count": 1, "retry_after": 0})
        notion.with_token(TOKEN).me()
        notion.with_token(TOKEN).me()  # answered at once: no line
    refused = fields_logged(caplog.records, "notion_refused")
    assert refused == [{"event": "notion_refused", "status": 429}, {"event": "notion_refused", "status": 529}]


def test_a_long_nested_row_is_read_whole(notion: NotionApi, admin: Admin) -> None:
    """A whole page: more blocks than one list request returns, nesting, a row's properties; in two
    requests, the page and its Markdown (``GET /v1/pages/{id}/markdown``), not a walk of its blocks."""
    notion = notion.with_token(TOKEN)
    title = {"Name": {"title": rich_text("Pricing decision")}}
    page = notion.create_page({"data_source_id": IDS["tasks_data_source"]}, title)
    notion.append_blocks(page["id"], markdown_to_blocks("# Outcome\n\n- tiers\n  - nested detail\n"))
    notion.append_blocks(page["id"], [b for i in range(230) for b in text_blocks("paragraph", f"line {i}")])
    admin.delete("/requests")
    read = read_page(notion, page["id"])
    assert read.cut_short == ""
    assert "# Pricing decision" in read.markdown and "- For agent: no" in read.markdown  # the row's property
    assert "  - nested detail" in read.markdown  # a child, nested under its parent
    assert "line 0" in read.markdown and "line 229" in read.markdown  # past two pages of 100
    sent = [(r["method"], r["path"].replace(page["id"], "{id}")) for r in admin.get("/requests")]
    assert sent == [("GET", "/v1/pages/{id}"), ("GET", "/v1/pages/{id}/markdown")] and read.requests == 2


def test_a_page_past_its_budget_says_it_was_cut_short(notion: NotionApi) -> None:
    notion = notion.with_token(TOKEN)
    notion.append_blocks(IDS["home_page"], [b for i in range(150) for b in text_blocks("paragraph", f"p{i}")])
    read = read_page(notion, IDS["home_page"], ReadBudget(chars=600))
    assert read.cut_short == "more than 600 characters"
    assert read.markdown.rstrip().endswith("the rest was not read.)*")
    assert "p149" not in read.markdown


def test_a_reply_goes_into_the_thread_it_names(notion: NotionApi) -> None:
    client = notion.with_token(TOKEN)
    first = client.add_comment(IDS["task_report"], "what is our pricing?")
    reply = client.add_comment(IDS["task_report"], "Three tiers.", str(first["discussion_id"]))
    assert reply["discussion_id"] == first["discussion_id"]
    other = client.add_comment(IDS["task_report"], "another thread")
    assert other["discussion_id"] != first["discussion_id"]
