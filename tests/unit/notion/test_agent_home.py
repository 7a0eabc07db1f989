"""The agent's home (shared.notion.services.agent_home) over an in-memory Notion and tenant store: found by
stored ids, then by title, made once; a deleted one reported and made again; one request at a time."""

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.notion.adapters.notion import NotionRequestRefused
from shared.notion.ports import TenantNotion
from shared.notion.services import agent_home
from shared.platform.errors import Conflict, InvalidInput, NotFound, TransientError
from shared.workspace.domain.agent_home import SCHEMAS, AgentHome, HomeDatabase, TasksChoice
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, TenantStatus
from tests.support.workspace.workspace_fakes import FakeTenantStore

JSON = dict[str, Any]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARENT = "11111111-1111-1111-1111-111111111111"
AUTO, CREATE = TasksChoice(mode="auto"), TasksChoice(mode="create")


def _missing(what: str) -> NotionRequestRefused:
    return NotionRequestRefused(404, "object_not_found", f"Could not find {what}")


class HomeNotion(TenantNotion):
    """Pages, databases (one data source each) and the parent's child_database blocks in memory."""

    def __init__(self) -> None:
        self.pages: dict[str, JSON] = {PARENT: {"id": PARENT, "object": "page", "in_trash": False}}
        self.databases: dict[str, JSON] = {}
        self.sources: dict[str, JSON] = {}
        self.children: dict[str, list[JSON]] = {}
        self.created: Counter[str] = Counter()
        self.ids = itertools.count(1)
        self.searches: list[tuple[str, str | None, int]] = []

    def retrieve_page(self, page_id: str) -> JSON:
        if page_id not in self.pages:
            raise _missing("page")
        return self.pages[page_id]

    def retrieve_database(self, database_id: str) -> JSON:
        if database_id not in self.databases:
            raise _missing("database")
        return self.databases[database_id]

    def retrieve_data_source(self, data_source_id: str) -> JSON:
        if data_source_id not in self.sources:
            raise _missing("data source")
        return self.sources[data_source_id]

    def list_children(self, block_id: str) -> Iterator[JSON]:
        return iter(list(self.children.get(block_id, [])))

    def create_database(
        self, parent_page_id: str, title: str, properties: JSON, description: list[JSON] | None = None
    ) -> JSON:
        n = next(self.ids)
        db_id, ds_id = f"db-{n}", f"ds-{n}"
        schema = {name: {"type": next(iter(spec))} for name, spec in properties.items()}
        self.sources[ds_id] = {"id": ds_id, "object": "data_source", "in_trash": False, "properties": schema}
        self.sources[ds_id]["created_by"] = {"object": "user", "id": "bot-1"}
        self.sources[ds_id]["parent"] = {"type": "database_id", "database_id": db_id}
        self.databases[db_id] = {
            "id": db_id,
            "object": "database",
            "in_trash": False,
            "title": [{"plain_text": title}],
            "data_sources": [{"id": ds_id, "name": title}],
        }
        block = {"id": db_id, "type": "child_database", "child_database": {"title": title}}
        self.children.setdefault(parent_page_id, []).append(block)
        self.created[title] += 1
        return self.databases[db_id]

    def trash(self, database_id: str) -> None:
        self.databases[database_id]["in_trash"] = True
        self.sources[self.databases[database_id]["data_sources"][0]["id"]]["in_trash"] = True

    def search_visible(
        self, query: str, start_cursor: str | None, page_size: int, kind: str | None = None
    ) -> JSON:
        self.searches.append((query, start_cursor, page_size))
        if start_cursor == "bad":
            raise NotionRequestRefused(400, "validation_error", "start_cursor is invalid")
        page = {"object": "page", "id": PARENT, "url": "u", "parent": {"type": "workspace"}}
        page["properties"] = {"title": {"type": "title", "title": [{"plain_text": "Home"}]}}
        source = {"object": "data_source", "id": "ds-x", "title": [{"plain_text": "Tasks"}], "parent": {}}
        return {"results": [page, source], "next_cursor": "c2", "has_more": True}

    def me(self) -> JSON:
        return {"object": "user", "id": "bot-1", "type": "bot"}

    # Not used by the home.

    def search(self, query: str = "", filter: JSON | None = None) -> Iterator[JSON]:
        raise NotImplementedError

    def retrieve_markdown(self, page_id: str) -> JSON:
        raise NotImplementedError

    def create_page(self, parent: JSON, properties: JSON, children: list[JSON] | None = None) -> JSON:
        raise NotImplementedError

    def update_page_properties(self, page_id: str, properties: JSON) -> JSON:
        raise NotImplementedError

    def update_data_source(self, data_source_id: str, properties: JSON) -> JSON:
        raise NotImplementedError

    def query_data_source(
        self, data_source_id: str, filter: JSON | None = None, sorts: list[JSON] | None = None
    ) -> Iterator[JSON]:
        raise NotImplementedError

    def append_blocks(self, block_id: str, blocks: list[JSON], after: str | None = None) -> list[JSON]:
        raise NotImplementedError

    def retrieve_block(self, block_id: str) -> JSON:
        raise NotImplementedError

    def move_page(self, page_id: str, parent_page_id: str) -> JSON:
        raise NotImplementedError

    def trash_page(self, page_id: str, in_trash: bool) -> JSON:
        raise NotImplementedError

    def update_block(self, block_id: str, body: JSON) -> JSON:
        raise NotImplementedError

    def delete_block(self, block_id: str) -> None:
        raise NotImplementedError

    def list_comments(self, block_id: str) -> Iterator[JSON]:
        raise NotImplementedError

    def get_comment(self, comment_id: str) -> JSON:
        raise NotImplementedError

    def add_comment(self, page_id: str, text: str, discussion_id: str = "") -> JSON:
        raise NotImplementedError

    def update_comment(self, comment_id: str, text: str) -> JSON:
        raise NotImplementedError

    def delete_comment(self, comment_id: str) -> JSON:
        raise NotImplementedError


@pytest.fixture
def tenants() -> FakeTenantStore:
    store = FakeTenantStore()
    store.save(
        Tenant(
            tenant_id="t1",
            workspace_id="w1",
            token_secret="notion-token-t1",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    return store


def _ensure(tenants: FakeTenantStore, notion: HomeNotion, choice: TasksChoice = AUTO) -> JSON:
    return agent_home.ensure_home("t1", PARENT, choice, tenants, notion, now=NOW)


def _states(answer: JSON) -> dict[str, str]:
    return {kind: shown["state"] for kind, shown in answer["databases"].items()}


def _set(tenants: FakeTenantStore, **update: Any) -> None:
    tenant = tenants.get("t1")
    assert tenant is not None
    tenants.save(tenant.model_copy(update=update))


def _home(tenants: FakeTenantStore) -> AgentHome:
    tenant = tenants.get("t1")
    assert tenant is not None and tenant.home is not None
    return tenant.home


def test_the_first_call_creates_the_three_and_stores_both_ids_of_each(tenants: FakeTenantStore) -> None:
    notion = HomeNotion()
    answer = _ensure(tenants, notion)
    assert _states(answer) == {"runs": "created", "daily_plans": "created", "tasks": "created"}
    assert notion.created == {"Runs": 1, "Daily plans": 1, "Tasks": 1}
    home = _home(tenants)
    assert home.runs is not None and home.runs.database_id in notion.databases
    assert home.runs.data_source_id == notion.databases[home.runs.database_id]["data_sources"][0]["id"]
    assert home.parent_page_id == PARENT and home.claim == "" and home.claim_until is None
    assert answer["databases"]["runs"]["data_source_id"] == home.runs.data_source_id


def test_a_second_call_creates_nothing(tenants: FakeTenantStore) -> None:
    notion = HomeNotion()
    first = _ensure(tenants, notion)
    second = _ensure(tenants, notion)
    assert _states(second) == {"runs": "ok", "daily_plans": "ok", "tasks": "ok"}
    assert sum(notion.created.values()) == 3
    assert {k: v["database_id"] for k, v in second["databases"].items()} == {
        k: v["database_id"] for k, v in first["databases"].items()
    }


def test_without_stored_ids_it_finds_its_databases_by_title_under_the_parent(
    tenants: FakeTenantStore,
) -> None:
    notion = HomeNotion()
    made = _ensure(tenants, notion)
    _set(tenants, home=None)
    found = _ensure(tenants, notion)
    assert _states(found) == {"runs": "found", "daily_plans": "found", "tasks": "found"}
    assert sum(notion.created.values()) == 3
    assert found["databases"]["runs"]["database_id"] == made["databases"]["runs"]["database_id"]


def test_a_database_of_the_owner_titled_as_ours_is_not_taken_for_ours(tenants: FakeTenantStore) -> None:
    notion = HomeNotion()
    made = notion.create_database(PARENT, "Runs", SCHEMAS["runs"][1])
    notion.sources[made["data_sources"][0]["id"]]["created_by"] = {"object": "user", "id": "ada"}
    answer = _ensure(tenants, notion)
    assert _states(answer)["runs"] == "created"
    assert answer["databases"]["runs"]["database_id"] != made["id"]


def test_a_deleted_database_is_reported_then_recreated(tenants: FakeTenantStore) -> None:
    notion = HomeNotion()
    made = _ensure(tenants, notion)
    notion.trash(made["databases"]["runs"]["database_id"])
    del notion.databases[made["databases"]["daily_plans"]["database_id"]]  # gone: Notion's 404
    shown = agent_home.read_home("t1", tenants, notion)
    assert _states(shown) == {"runs": "deleted", "daily_plans": "deleted", "tasks": "ok"}
    again = _ensure(tenants, notion)
    assert _states(again) == {"runs": "recreated", "daily_plans": "recreated", "tasks": "ok"}
    assert notion.created == {"Runs": 2, "Daily plans": 2, "Tasks": 1}
    runs = _home(tenants).runs
    assert runs is not None and runs.database_id == again["databases"]["runs"]["database_id"]
    assert _states(agent_home.read_home("t1", tenants, notion))["runs"] == "ok"


def test_an_existing_task_data_source_is_chosen_not_created(tenants: FakeTenantStore) -> None:
    notion = HomeNotion()
    notion.sources["mine"] = {
        "id": "mine",
        "in_trash": False,
        "parent": {"database_id": "mydb"},
        "properties": {},
    }
    answer = _ensure(tenants, notion, TasksChoice(mode="existing", data_source_id="mine"))
    assert answer["databases"]["tasks"] == {
        "title": "Tasks",
        "state": "chosen",
        "database_id": "mydb",
        "data_source_id": "mine",
        "chosen": True,
    }
    assert "Tasks" not in notion.created
    # auto keeps the choice; a deleted choice is reported, never replaced by one of ours
    notion.sources["mine"]["in_trash"] = True
    assert _states(_ensure(tenants, notion))["tasks"] == "deleted"
    assert "Tasks" not in notion.created
    # "create" asked: ours is made in its place
    assert _states(_ensure(tenants, notion, CREATE))["tasks"] == "created"
    assert notion.created["Tasks"] == 1


def test_auto_takes_a_watched_task_data_source_from_the_settings(tenants: FakeTenantStore) -> None:
    notion = HomeNotion()
    props = {"Name": {"type": "title"}, "Status": {"type": "status"}, "Due": {"type": "date"}}
    notion.sources["watched"] = {"id": "watched", "parent": {"database_id": "wdb"}, "properties": props}
    notion.sources["notes"] = {"id": "notes", "parent": {"database_id": "ndb"}, "properties": {}}
    settings = TenantSettings(data_source_ids=["gone", "notes", "watched"])
    _set(tenants, settings=settings)
    answer = _ensure(tenants, notion)
    assert answer["databases"]["tasks"]["state"] == "chosen"
    assert answer["databases"]["tasks"]["data_source_id"] == "watched"
    assert "Tasks" not in notion.created


def test_a_parent_the_integration_cannot_see_is_a_404_and_nothing_is_made(tenants: FakeTenantStore) -> None:
    notion = HomeNotion()  # a 404, as Notion's own for a page not shared: the contract's body is valid
    with pytest.raises(NotFound) as refused:
        agent_home.ensure_home("t1", "22222222-2222-2222-2222-222222222222", AUTO, tenants, notion, now=NOW)
    assert str(refused.value).startswith("parent_page_id:") and "share it" in str(refused.value)
    assert not notion.created
    assert _home(tenants).claim == ""  # released: the next call is not refused


def test_a_task_data_source_the_integration_cannot_see_is_a_404(tenants: FakeTenantStore) -> None:
    notion = HomeNotion()
    with pytest.raises(NotFound) as refused:
        _ensure(tenants, notion, TasksChoice(mode="existing", data_source_id="unshared"))
    assert str(refused.value).startswith("tasks:") and "share its database" in str(refused.value)
    assert "Tasks" not in notion.created


def test_a_claimed_home_refuses_a_second_request_and_a_lapsed_claim_does_not(
    tenants: FakeTenantStore,
) -> None:
    notion = HomeNotion()
    claimed = AgentHome(claim="other", claim_until=NOW + timedelta(seconds=30))
    _set(tenants, home=claimed)
    with pytest.raises(Conflict) as busy:
        _ensure(tenants, notion)
    assert busy.value.retry_after_s == 30.0
    assert not notion.created
    lapsed = AgentHome(claim="other", claim_until=NOW - timedelta(seconds=1))
    _set(tenants, home=lapsed)
    assert _states(_ensure(tenants, notion))["runs"] == "created"


def test_a_failure_midway_keeps_nothing_claimed_and_the_retry_finds_what_was_made(
    tenants: FakeTenantStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    notion = HomeNotion()
    real = notion.create_database
    calls = itertools.count()

    def flaky(parent: str, title: str, properties: JSON) -> JSON:
        if next(calls) == 1:
            raise TransientError("Notion answered 503")
        return real(parent, title, properties)

    monkeypatch.setattr(notion, "create_database", flaky)
    with pytest.raises(TransientError):
        _ensure(tenants, notion)
    assert _home(tenants).claim == "" and _home(tenants).runs is None
    answer = _ensure(tenants, notion)
    assert _states(answer) == {"runs": "found", "daily_plans": "created", "tasks": "created"}
    assert notion.created == {"Runs": 1, "Daily plans": 1, "Tasks": 1}


def test_a_disconnected_workspace_is_refused(tenants: FakeTenantStore) -> None:
    _set(tenants, status=TenantStatus.REVOKED)
    with pytest.raises(Conflict):
        _ensure(tenants, HomeNotion())


def test_the_runs_schema_has_what_later_work_needs() -> None:
    title, runs = SCHEMAS["runs"]
    assert title == "Runs"
    assert runs["Decision"]["select"]["options"] == [
        {"name": "Waiting", "color": "yellow"},
        {"name": "Approve", "color": "green"},
        {"name": "Reject", "color": "red"},
        {"name": "Undo", "color": "purple"},  # an ended run undone from its row (decision 0223)
        {"name": "Undo with child runs", "color": "purple"},
    ]
    assert {
        "Goal",
        "Run id",
        "Request",
        "Status",
        "Trigger page",
        "Started",
        "Finished",
        "Steps",
        "Cost",
    } <= set(runs)
    assert [name for name, spec in runs.items() if "title" in spec] == ["Goal"]
    tasks = SCHEMAS["tasks"][1]
    assert tasks["Status"] == {"status": {}} and "Priority" in tasks and "Due" in tasks and "Project" in tasks


def test_the_picker_lists_titles_and_passes_the_cursor_through() -> None:
    notion = HomeNotion()
    answer = agent_home.list_visible(notion, "ho", "c1", 10)
    assert notion.searches == [("ho", "c1", 10)]
    assert answer["next_cursor"] == "c2"
    assert [(r["object"], r["title"]) for r in answer["results"]] == [
        ("page", "Home"),
        ("data_source", "Tasks"),
    ]
    with pytest.raises(InvalidInput) as refused:
        agent_home.list_visible(notion, "", "bad", 10)
    assert refused.value.fields == ["cursor"]


def test_a_call_whose_claim_ran_out_fills_in_only_what_nothing_is_stored_for(
    tenants: FakeTenantStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    notion = HomeNotion()
    real = notion.create_database
    theirs = AgentHome(
        claim="later",
        claim_until=NOW + timedelta(minutes=5),
        runs=HomeDatabase(database_id="db-theirs", data_source_id="ds-theirs"),
    )

    def overtaken(parent: str, title: str, properties: JSON) -> JSON:
        if title == "Tasks":  # meanwhile our claim ran out; a later call took it and stored Runs
            _set(tenants, home=theirs)
        return real(parent, title, properties)

    monkeypatch.setattr(notion, "create_database", overtaken)
    _ensure(tenants, notion)
    home = _home(tenants)
    assert home.runs == theirs.runs and home.claim == "later"  # neither overwritten nor released
    assert home.daily_plans is not None and home.tasks is not None


class CrowdedNotion(HomeNotion):
    """Search answers of the agent's own Runs rows first, then the Runs data source, then Ideas."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: list[str | None] = []

    def search_visible(
        self, query: str, start_cursor: str | None, page_size: int, kind: str | None = None
    ) -> JSON:
        self.kinds.append(kind)
        n = int(start_cursor or 0)
        row = {
            "object": "page",
            "id": f"row-{n}",
            "parent": {"type": "data_source_id", "data_source_id": "ds-runs"},
        }
        if n < 2:
            return {"results": [row], "next_cursor": str(n + 1), "has_more": True}
        runs = {"object": "data_source", "id": "ds-runs", "title": [{"plain_text": "Runs"}], "parent": {}}
        ideas = {"object": "data_source", "id": "ds-ideas", "title": [{"plain_text": "Ideas"}], "parent": {}}
        return {"results": [runs, ideas], "next_cursor": None, "has_more": False}


def test_the_picker_offers_neither_the_agents_own_databases_nor_their_rows() -> None:
    home = AgentHome(runs=HomeDatabase(database_id="db-runs", data_source_id="ds-runs"))
    hidden = agent_home.agent_written(home)
    notion = CrowdedNotion()
    answer = agent_home.list_visible(notion, "", None, 10, kind="data_source", hidden=hidden)
    assert [r["title"] for r in answer["results"]] == ["Ideas"] and answer["next_cursor"] is None
    assert notion.kinds == ["data_source"] * 3  # read on past the rows, within MAX_SEARCH_READS
    shown = agent_home.list_visible(CrowdedNotion(), "", None, 10)  # no home: nothing hidden, one read
    assert [r["id"] for r in shown["results"]] == ["row-0"] and shown["next_cursor"] == "1"
