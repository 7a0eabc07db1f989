"""The workspace index in runs: the planner's context gets the most relevant passages with numbers to
cite, a run's ``search_workspace`` returns passages with page, heading and link, and a member's run
finds only passages within its reach (its trigger page, the chosen data source it belongs to)."""

import json
from typing import Any

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.memory.services.workspace_index import index_page
from shared.notify.domain.provenance import marker_url
from shared.notion.services import notion_text as nt
from shared.runs.domain.events import ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.tenants import Tenant
from tests.support.engine.engine_fakes import make_deps
from tests.support.memory.memory import FakePassages, WordCountEmbedder
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

OWNER, MEMBER = "user-owner", "user-member"
PRICING = "# Decision\n\nWe decided the pricing: three tiers, Starter, Team and Enterprise.\n"
HIRING = "# Hiring\n\nWe are hiring two engineers in Berlin; hiring closes in May.\n"


def workspace() -> tuple[FakeNotion, dict[str, str]]:
    notion = FakeNotion()
    ids = {
        "pricing": notion.add_page("Pricing", text=PRICING),
        "hiring": notion.add_page("Hiring", {"data_source_id": "ds-team"}, text=HIRING),
        "trigger": notion.add_page("Draft the price page", {"data_source_id": "ds-team"}, text="todo"),
    }
    return notion, ids


def deps_with_index(notion: FakeNotion, model: FakeModel, *, member: bool) -> tuple[Deps, FakePassages]:
    store, embedder = FakePassages(), WordCountEmbedder()
    deps = make_deps(model=model, notion=notion, webhook_coalesce_s=0.0, workspace_index=True)._replace(
        memory=lambda: (embedder, store)
    )
    for pid in notion.pages:
        index_page("t1", pid, notion.with_token("t"), embedder, store)
    owner = OWNER if not member else "someone-else"

    def team_chosen(t: Tenant | None) -> Tenant:
        assert t is not None
        settings = t.settings.model_copy(update={"data_source_ids": ["ds-team"]})
        return t.model_copy(update={"owner_user_id": owner, "settings": settings})

    deps.need_tenants().update("t1", team_chosen)
    return deps, store


def run(deps: Deps, page: str, *, member: bool) -> None:
    trigger = Trigger(kind="webhook", event_type="page.content_updated", page_id=page, by_owner=not member)
    start_run(PlanTask(tenant_id="t1", run_id="r1", trigger=trigger, admitted=True), deps)
    for _ in range(10):
        got = deps.store.get_run("t1", "r1")
        assert got is not None
        if got.state.status != RunStatus.RUNNING:
            return
        run_step(StepTask(tenant_id="t1", run_id="r1", step=got.state.cursor), deps)


def plan(query: str) -> dict[str, Any]:
    steps = [("search_workspace", {"query": query}), ("finish", {"summary": "done"})]
    return {
        "goal": "g",
        "risk": "low",
        "on_reject": "end",
        "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps],
    }


def searched(deps: Deps) -> dict[str, Any]:
    [result] = [
        e
        for e in deps.store.list_events("t1", "r1")
        if isinstance(e, ToolResult) and e.tool == "search_workspace"
    ]
    return result.output


def test_the_owners_plan_cites_passages_and_its_search_finds_any_page() -> None:
    notion, ids = workspace()
    model = FakeModel({"PlanOut": [plan("pricing tiers")]})
    deps, _ = deps_with_index(notion, model, member=False)
    run(deps, ids["trigger"], member=False)
    prompt = model.prompts[0][1]
    assert '"workspace"' in prompt and '"cite": "[1]"' in prompt and "three tiers" in prompt
    output = searched(deps)
    assert (
        output["results"][0]["title"] == "Pricing"
        and output["results"][0]["url"] == f"https://n/{ids['pricing']}"
    )
    assert output["citations"].startswith(f"[1] Pricing: https://n/{ids['pricing']}\n")


def test_a_members_run_finds_only_passages_within_its_reach() -> None:
    notion, ids = workspace()
    model = FakeModel({"PlanOut": [plan("pricing tiers")]})
    deps, _ = deps_with_index(notion, model, member=True)
    notion.pages[ids["trigger"]]["created_by"] = {"id": MEMBER}
    run(deps, ids["trigger"], member=True)
    assert "three tiers" not in model.prompts[0][1]  # the Pricing page is outside the trigger's reach
    titles = {r["title"] for r in searched(deps)["results"]}
    assert titles and titles <= {"Hiring", "Draft the price page"}  # the chosen data source of the trigger


def test_with_the_index_off_the_planner_searches_nothing() -> None:
    notion, ids = workspace()
    model = FakeModel({"PlanOut": [plan("pricing tiers")]})
    deps, _ = deps_with_index(notion, model, member=False)
    run(
        deps._replace(settings=deps.settings.model_copy(update={"workspace_index": False})),
        ids["trigger"],
        member=False,
    )
    assert '"workspace"' not in model.prompts[0][1]


def test_the_agents_signature_is_never_indexed_so_never_quoted() -> None:
    """A page the agent wrote in holds its signature lines (the key in a link, or the
    visible marker of a release before decision 0124); the index keeps the text, never a key."""
    notion = FakeNotion()
    page = notion.add_page("Launch notes", text="The launch is on Friday.")
    link = marker_url("https://console.example", "a1b2c3d4e5-r1:2:1", "r1")
    old = {
        "type": "paragraph",
        "paragraph": {"rich_text": [{"plain_text": "Notion Agent · ref a1b2c3d4e5-r1:1:1"}]},
    }
    notion.children[page] = [nt.marker_block(link), old, *notion.children[page]]
    store = FakePassages()
    assert index_page("t1", page, notion.with_token("t"), WordCountEmbedder(), store).embedded >= 1
    texts = [p.text for p in store.passages["t1"].values()]
    assert any("launch is on Friday" in t for t in texts)
    assert not [t for t in texts if "ref" in t or "a1b2c3d4e5" in t or "Notion Agent" in t]
