"""The agent's home in a workspace: what the integration can see (the owner's page picker), and the
Runs, Daily plans and Tasks databases under the page the owner chose. Each is found by its stored ids,
then by title under that page, else made: nothing is made twice. One ``POST /home`` runs at a time
per tenant, under a claim on the tenant document. Schemas: :mod:`shared.workspace.domain.agent_home`.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from shared.platform.errors import Conflict, InvalidInput, NotFound, PermanentError
from shared.workspace.domain.agent_home import (
    AGENT_COLUMNS,
    KINDS,
    SCHEMAS,
    AgentHome,
    HomeDatabase,
    HomeKind,
    HomeState,
    TasksChoice,
    is_trashed,
    looks_like_tasks,
    picker_item,
    title_of,
)
from shared.workspace.domain.settings import plain_notion_id
from shared.workspace.domain.tenants import Tenant, TenantStatus

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion
    from shared.workspace.ports import TenantStore

type JSON = dict[str, Any]

CLAIM_FOR = timedelta(seconds=60)  # one POST /home makes at most three databases: seconds
MAX_PARENT_BLOCKS = 500  # the parent page's blocks looked through for a database by its title


def _refused(exc: PermanentError, status: int) -> bool:
    """Whether Notion answered ``status`` (the adapter's NotionApiError carries it)."""
    return getattr(exc, "status", None) == status


MAX_SEARCH_READS = 4  # Notion searches one picker page may take to fill up past the agent's own writes


def agent_written(home: AgentHome | None) -> frozenset[str]:
    """The plain ids of the home's Runs and Daily plans (databases and data sources): the agent writes
    them, so they are never offered as sources (it would react to its own writes), nor their rows."""
    found: set[str] = set()
    for kind in ("runs", "daily_plans"):
        stored = home.get(kind) if home is not None else None
        if stored is not None:
            found |= {plain_notion_id(i) for i in (stored.database_id, stored.data_source_id) if i}
    return frozenset(found)


def _hidden(result: JSON, hidden: frozenset[str]) -> bool:
    parent = result.get("parent") or {}
    named = [result.get("id"), parent.get("data_source_id"), parent.get("database_id")]
    return any(plain_notion_id(str(i)) in hidden for i in named if i)


def list_visible(
    notion: TenantNotion,
    query: str,
    cursor: str | None,
    page_size: int,
    *,
    kind: str | None = None,
    hidden: frozenset[str] = frozenset(),
) -> JSON:
    """One page of the pages and data sources the integration can see whose title matches ``query``
    (only ``kind`` when given). The agent's own databases and their rows (``hidden``) are left out,
    and Notion read further to fill the page. ``next_cursor`` (Notion's) is None at the end. A cursor
    Notion refuses is a 400."""
    results: list[JSON] = []
    next_cursor: str | None = cursor
    for _ in range(MAX_SEARCH_READS):
        try:
            answer = notion.search_visible(query, next_cursor, page_size, kind)
        except PermanentError as exc:
            if next_cursor and _refused(exc, 400):
                raise InvalidInput(
                    "cursor: Notion refused it; start again without a cursor", ["cursor"]
                ) from exc
            raise
        found = answer.get("results", [])
        kept = [r for r in found if not _hidden(r, hidden)]
        results += [picker_item(r).model_dump(mode="json") for r in kept]
        more = bool(answer.get("has_more")) and answer.get("next_cursor")
        next_cursor = str(answer.get("next_cursor")) if more else None
        if next_cursor is None or len(kept) == len(found) or len(results) >= page_size // 2:
            break
    return {"results": results, "next_cursor": next_cursor}


def _alive(notion: TenantNotion, stored: HomeDatabase) -> bool:
    """Whether the stored database still exists and is out of the trash (a 404: deleted or no longer
    shared with the integration)."""
    if stored.chosen:
        try:
            return not is_trashed(notion.retrieve_data_source(stored.data_source_id))
        except PermanentError as exc:
            if _refused(exc, 404):
                return False
            raise
    try:
        database = notion.retrieve_database(stored.database_id)
    except PermanentError as exc:
        if _refused(exc, 404):
            return False
        raise
    ids = {plain_notion_id(str(d.get("id", ""))) for d in database.get("data_sources", [])}
    return not is_trashed(database) and plain_notion_id(stored.data_source_id) in ids


def _shown(kind: HomeKind, state: HomeState, db: HomeDatabase | None) -> JSON:
    shown: JSON = {"title": title_of(kind), "state": state.value}
    if db is not None:
        shown |= {"database_id": db.database_id, "data_source_id": db.data_source_id, "chosen": db.chosen}
    return shown


def read_home(tenant_id: str, tenants: TenantStore, notion: TenantNotion) -> JSON:
    """The stored home, each database checked in Notion: ``ok`` (or ``chosen``), ``deleted`` (in the
    trash or gone: ``POST /home`` makes it again) or ``absent`` (none stored)."""
    tenant = tenants.get(tenant_id, fresh=True)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    home = tenant.home or AgentHome()
    shown: JSON = {}
    for kind in KINDS:
        stored = home.get(kind)
        if stored is None:
            shown[kind] = _shown(kind, HomeState.ABSENT, None)
            continue
        alive = _alive(notion, stored)
        state = (HomeState.CHOSEN if stored.chosen else HomeState.OK) if alive else HomeState.DELETED
        shown[kind] = _shown(kind, state, stored)
    return {"parent_page_id": home.parent_page_id or None, "databases": shown}


@dataclass
class _Maker:
    """Finds or makes the home's databases under ``parent`` (the page's child databases read once)."""

    notion: TenantNotion
    parent: str
    _titled: dict[str, list[str]] | None = field(default=None)
    _bot: str = ""

    def by_title(self, title: str) -> HomeDatabase | None:
        """A live database titled ``title`` among the parent page's blocks whose data source our bot
        created (a database of the owner's with that title is not ours)."""
        if self._titled is None:
            self._titled = {}
            blocks: Iterator[JSON] = islice(self.notion.list_children(self.parent), MAX_PARENT_BLOCKS)
            for block in blocks:
                if block.get("type") == "child_database" and not is_trashed(block):
                    name = str(block.get("child_database", {}).get("title", ""))
                    self._titled.setdefault(name, []).append(str(block["id"]))
        for database_id in self._titled.get(title, []):
            try:
                database = self.notion.retrieve_database(database_id)
            except PermanentError as exc:
                if _refused(exc, 404):
                    continue
                raise
            sources = database.get("data_sources", [])
            if is_trashed(database) or len(sources) != 1:
                continue
            source = self.notion.retrieve_data_source(str(sources[0]["id"]))
            if str(source.get("created_by", {}).get("id", "")) == self.bot_id():
                columns = all(c in (source.get("properties") or {}) for c in AGENT_COLUMNS)
                return HomeDatabase(
                    database_id=str(database["id"]), data_source_id=str(source["id"]), agent_columns=columns
                )
        return None

    def bot_id(self) -> str:
        """The integration's bot user: what made the databases that are ours."""
        if not self._bot:
            self._bot = str(self.notion.me().get("id", ""))
        return self._bot

    def ensure(self, kind: HomeKind, stored: HomeDatabase | None) -> tuple[HomeState, HomeDatabase]:
        """The stored database if alive; else one found by title under the parent; else a new one."""
        if stored is not None and not stored.chosen and _alive(self.notion, stored):
            return HomeState.OK, stored
        title, properties = SCHEMAS[kind]
        found = self.by_title(title)
        if found is not None:
            return HomeState.FOUND, found
        database = self.notion.create_database(self.parent, title, properties)
        made = HomeDatabase(
            database_id=str(database["id"]),
            data_source_id=str(database["data_sources"][0]["id"]),
            agent_columns=kind == "runs",
        )
        return (HomeState.RECREATED if stored is not None else HomeState.CREATED), made


def _chosen_tasks(notion: TenantNotion, data_source_id: str) -> HomeDatabase:
    """The owner's own task data source, checked visible (404 otherwise: Notion's own answer for one
    not shared) and out of the trash (400 otherwise)."""
    seen = "the integration cannot see this data source; share its database with the integration"
    source = _named(notion.retrieve_data_source, data_source_id, "tasks", seen)
    if is_trashed(source):
        raise InvalidInput("tasks: this data source is in Notion's trash", ["tasks"])
    return _owners_tasks(source)


def _owners_tasks(source: dict[str, Any]) -> HomeDatabase:
    """The owner's own task data source (as Notion answers it) as the home's tasks database."""
    database_id = str(source.get("parent", {}).get("database_id", ""))
    return HomeDatabase(database_id=database_id, data_source_id=str(source["id"]), chosen=True)


def _named(fetch: Callable[[str], dict[str, Any]], object_id: str, field: str, seen: str) -> dict[str, Any]:
    """``fetch(object_id)``: a page or data source the owner named in ``field``, as Notion answers it. A
    404 when the integration cannot see it (Notion's own answer for one not shared), a 400 when Notion
    reads no id in it: each says ``seen``."""
    try:
        return fetch(object_id)
    except PermanentError as exc:
        if _refused(exc, 404):
            raise NotFound(f"{field}: {seen}") from exc
        if _refused(exc, 400):  # Notion reads no id in it
            raise InvalidInput(f"{field}: {seen}", [field]) from exc
        raise


def _auto_tasks(notion: TenantNotion, tenant: Tenant) -> HomeDatabase | None:
    """The first data source among those the owner watches (settings) that has a status and a date
    property: the owner's task database. None when there is none."""
    for data_source_id in tenant.settings.data_source_ids:
        try:
            source = notion.retrieve_data_source(data_source_id)
        except PermanentError as exc:
            if _refused(exc, 404):
                continue
            raise
        if not is_trashed(source) and looks_like_tasks(source):
            return _owners_tasks(source)
    return None


def _tasks(
    maker: _Maker, choice: TasksChoice, stored: HomeDatabase | None, tenant: Tenant
) -> tuple[HomeState, HomeDatabase | None]:
    if choice.mode == "existing":
        return HomeState.CHOSEN, _chosen_tasks(maker.notion, choice.data_source_id)
    if choice.mode == "create":
        return maker.ensure("tasks", None if stored is not None and stored.chosen else stored)
    if stored is not None and stored.chosen:  # auto keeps the owner's choice; gone: reported, not replaced
        return (HomeState.CHOSEN if _alive(maker.notion, stored) else HomeState.DELETED), stored
    if stored is None and (owned := _auto_tasks(maker.notion, tenant)) is not None:
        return HomeState.CHOSEN, owned
    return maker.ensure("tasks", stored)


def _check_parent(notion: TenantNotion, parent_page_id: str) -> str:
    """The parent page's id as Notion writes it; 404 when the integration cannot see it (Notion's own
    answer for a page not shared), 400 when it is in the trash."""
    seen = "the integration cannot see this page; share it with the integration in Notion or choose one from GET /notion/pages"
    page = _named(notion.retrieve_page, parent_page_id, "parent_page_id", seen)
    if is_trashed(page):
        raise InvalidInput("parent_page_id: this page is in Notion's trash", ["parent_page_id"])
    return str(page["id"])


def _claim(tenants: TenantStore, tenant_id: str, now: datetime) -> str:
    """Take the tenant's home claim for :data:`CLAIM_FOR`; a 409 while another request holds it."""
    token = secrets.token_hex(8)
    held: list[datetime] = []

    def take(stored: Tenant | None) -> Tenant:
        held.clear()  # called again when another write landed first
        if stored is None:
            raise NotFound("this workspace is not connected")
        if stored.status == TenantStatus.REVOKED:
            raise Conflict("this workspace was disconnected: connect it again first")
        home = stored.home or AgentHome()
        if home.claim and home.claim_until is not None and home.claim_until > now:
            held.append(home.claim_until)
            return stored
        claimed = home.model_copy(update={"claim": token, "claim_until": now + CLAIM_FOR})
        return stored.model_copy(update={"home": claimed})

    tenants.update(tenant_id, take)
    if held:
        wait = max(1.0, (held[0] - now).total_seconds())
        raise Conflict("the agent's home is being set up by another request: try again shortly", wait)
    return token


def _finish(
    tenants: TenantStore, tenant_id: str, token: str, made: dict[HomeKind, HomeDatabase | None], parent: str
) -> None:
    """Store what was found or made and end the claim; if the claim was lost meanwhile (it ran out
    and another request took it), only fill in the kinds nothing is stored for."""

    def store(current: Tenant | None) -> Tenant:
        if current is None:
            raise NotFound("this workspace is not connected")
        home = current.home or AgentHome()
        ours = home.claim == token
        update: dict[str, Any] = {k: v for k, v in made.items() if ours or home.get(k) is None}
        if ours:
            update |= {"parent_page_id": parent, "claim": "", "claim_until": None}
        return current.model_copy(update={"home": home.model_copy(update=update)})

    tenants.update(tenant_id, store)


def _release(tenants: TenantStore, tenant_id: str, token: str) -> None:
    def release(current: Tenant | None) -> Tenant:
        if current is None or current.home is None or current.home.claim != token:
            raise _NothingToRelease
        return current.model_copy(
            update={"home": current.home.model_copy(update={"claim": "", "claim_until": None})}
        )

    with contextlib.suppress(_NothingToRelease):
        tenants.update(tenant_id, release)


class _NothingToRelease(Exception):
    """The claim is not ours any more: nothing is written."""


def ensure_home(
    tenant_id: str,
    parent_page_id: str,
    choice: TasksChoice,
    tenants: TenantStore,
    notion: TenantNotion,
    *,
    now: datetime | None = None,
) -> JSON:
    """Find or make the home's databases under ``parent_page_id`` and store their ids: each one
    stored and alive is kept; else one titled as ours under the parent is taken; else it is made
    (``recreated`` when the stored one was deleted). Tasks: ``choice``. Returns each one's state."""
    now = now or datetime.now(UTC)
    token = _claim(tenants, tenant_id, now)
    try:
        parent = _check_parent(notion, parent_page_id)
        tenant = tenants.get(tenant_id, fresh=True)
        if tenant is None:
            raise NotFound("this workspace is not connected")
        home = tenant.home or AgentHome()
        maker = _Maker(notion, parent)
        states: dict[HomeKind, tuple[HomeState, HomeDatabase | None]] = {
            "runs": maker.ensure("runs", home.runs),
            "daily_plans": maker.ensure("daily_plans", home.daily_plans),
        }
        states["tasks"] = _tasks(maker, choice, home.tasks, tenant)
    except BaseException:
        _release(tenants, tenant_id, token)
        raise
    _finish(tenants, tenant_id, token, {k: db for k, (_, db) in states.items()}, parent)
    shown = {kind: _shown(kind, state, db) for kind, (state, db) in states.items()}
    return {"parent_page_id": parent, "databases": shown}
