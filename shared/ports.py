"""Protocols for every external system; one adapter per system implements each (shared/adapters).

For type checking only: the functions' modules import these under ``if TYPE_CHECKING:``, so a cold
start builds none of these classes (tests/unit/test_import_hygiene.py); tests' fakes may import them.
The values the ports exchange live in ``shared.domain`` and are imported here for type checking too,
so a function that never touches runs (notify, notion-webhook) does not build the run models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from pydantic import BaseModel

    from shared.domain.agents import Agent
    from shared.domain.api_keys import ApiKey
    from shared.domain.audit import AuditEntry
    from shared.domain.code import CodeChange, Deployment, DeployRequest, PullRequest
    from shared.domain.day_plan import Kept
    from shared.domain.dead_letters import DeadLetter
    from shared.domain.embeddings import Embedded, Task
    from shared.domain.integrations import Integration
    from shared.domain.model_calls import ModelReply, ModelUsage
    from shared.domain.notifications import Claimed, Links, Mail, Move, NotificationRecord, Outcome
    from shared.domain.notion_grant import NotionGrant
    from shared.domain.passages import IndexedPage, StoredPassage
    from shared.domain.run_limits import Hold, Refused
    from shared.domain.run_rows import KeptRow
    from shared.domain.runs import Run, RunEvent, RunState, RunStatus
    from shared.domain.settings import TenantSettings
    from shared.domain.skipped_edits import SkippedEdit
    from shared.domain.tasks import TaskBody
    from shared.domain.tasks.notify import NotifyTask
    from shared.domain.tasks.plan import PlanTask
    from shared.domain.tenants import EventRecord, Tenant
    from shared.topology import Queue


class RunStore(Protocol):
    """Runs and their event logs, always scoped to one tenant.

    Event documents are created by their dense ``seq``, never overwritten: two writers extending a log
    from the same point collide and exactly one wins (the engine's concurrency control)."""

    def create_run(self, tenant_id: str, run_id: str, events: list[RunEvent]) -> bool:
        """Create the run with its first events; False if it already exists (nothing written)."""
        ...

    def get_run(self, tenant_id: str, run_id: str) -> Run | None: ...

    def list_events(self, tenant_id: str, run_id: str, after: int = 0) -> list[RunEvent]:
        """Events with ``seq > after``, in order."""
        ...

    def get_event(self, tenant_id: str, run_id: str, seq: int) -> RunEvent | None: ...

    def append(self, tenant_id: str, run_id: str, state: RunState, events: list[RunEvent]) -> RunState | None:
        """Append ``events`` after ``state`` (the log must end at ``state.last_seq``) and cache the new
        state, in one write. Returns the new state, or None when another writer got there first."""
        ...

    def add_event(self, tenant_id: str, run_id: str, event: RunEvent) -> bool:
        """Create one event without updating the cached state (an intent); False if its seq is taken."""
        ...

    def count_ended(self, tenant_id: str, parent_run_id: str, map_step: int) -> int:
        """How many children of the map at ``map_step`` have ended: their markers, which
        :meth:`create_run` and :meth:`append` write with a child's end (``domain.fanout``)."""
        ...

    def ended_children(self, tenant_id: str, parent_run_id: str, map_step: int) -> list[dict[str, Any]]:
        """The ended children's markers (run_id, index, status, summary), in no particular order."""
        ...

    def list_runs(
        self,
        tenant_id: str,
        limit: int = 50,
        since: datetime | None = None,
        *,
        status: str | None = None,
        trigger: str | None = None,
        agent: str | None = None,
        term: str | None = None,
        until: datetime | None = None,
        after: tuple[datetime, str] | None = None,
    ) -> list[Run]:
        """The tenant's runs, newest first (created_at, then run_id, descending); with ``since``, only
        those created at or after it (before ``until``). With ``status``/``trigger``/``agent``, or ``term``
        (one of its ``search_terms``), only those; with ``after``
        (a run's (created_at, run_id)), only those listed after it."""
        ...

    def children(self, tenant_id: str, run_id: str, limit: int = 50) -> tuple[list[Run], int]:
        """The runs ``run_id`` started (its map's children, its hand-offs), oldest first, at most
        ``limit``, and how many there are (counted up to 1,000)."""
        ...

    def held(self, tenant_id: str, limit: int = 100) -> list[str]:
        """Ids of the tenant's runs that wait for a person or are paused: no step moves them by itself."""
        ...

    def count_running(self, tenant_id: str, cap: int = 1000) -> int:
        """How many of the tenant's runs are ``running`` (counted up to ``cap``)."""
        ...

    def row_page(self, tenant_id: str, run_id: str) -> KeptRow | None:
        """The run's row in the Runs database, once :meth:`keep_row_page` kept it."""
        ...

    def keep_row_page(
        self, tenant_id: str, run_id: str, page_id: str, written: dict[str, str] | None = None
    ) -> None:
        """Keep the id of the run's row (``tenants/{t}/run_rows/{r}``), so later writes need no query,
        with the digests of what binds a decision as the agent wrote it (``KeptRow.written``).
        ``written`` is merged over the digests kept, each property's own: two writes at once keep
        both (a new row's writer gives every one). This ends a claim (:meth:`claim_row`)."""
        ...

    def claim_row(self, tenant_id: str, run_id: str, now: datetime, until: datetime) -> None:
        """Take the making of the run's row until ``until`` (no row kept, or only a gone one): of two
        tasks at once, one makes it. TransientError while another task holds it."""
        ...

    def release_row(self, tenant_id: str, run_id: str) -> None:
        """Let go of the making of the run's row (:meth:`claim_row`): the making failed."""
        ...

    def claim_row_changes(self, tenant_id: str, run_id: str, now: datetime, until: datetime) -> None:
        """Take the acting on people's changes of the run's row until ``until``: of two tasks at
        once, one reads and answers the row. TransientError while another task holds it."""
        ...

    def release_row_changes(self, tenant_id: str, run_id: str) -> None:
        """Let go of the acting on the row's changes (:meth:`claim_row_changes`)."""
        ...

    def stalled(self, status: RunStatus, before: datetime, limit: int = 200) -> list[tuple[str, str]]:
        """(tenant, run) of runs in ``status`` idle since ``before``: not updated since, and with no
        ``retry_at`` (a step waiting out a Retry-After) at or after it; oldest first."""
        ...

    def spend(self, tenant_id: str, day: str, month: str) -> tuple[float, float]:
        """The tenant's recorded model spend on ``day`` (YYYY-MM-DD) and in ``month`` (YYYY-MM)."""
        ...

    def spend_days(self, tenant_id: str, days: list[str]) -> list[float]:
        """The tenant's model spend on each of ``days`` (YYYY-MM-DD), in that order."""
        ...

    def record_usage(
        self, tenant_id: str, usage_id: str, at: datetime, purpose: str, usage: ModelUsage
    ) -> None:
        """Add a call made outside any run (an embedding call, an Ask) to the tenant's spend ledger, once
        per ``usage_id``: the budgets' sums count it as a run's ``model_used`` events."""
        ...

    def reserve_spend(self, day: str, usd: float, cap_usd: float) -> bool:
        """Add ``usd`` to the deployment's model spend of ``day`` (all tenants: ``spend_days/{day}``,
        the one document not scoped to a tenant) unless that would take it past ``cap_usd``: True
        when added. Atomic: of concurrent callers at the cap, only those that fit are added."""
        ...

    def hold_budgets(self, tenant_id: str, hold: Hold) -> Refused | None:
        """Reserve ``hold.usd`` on each of the tenant's spend counters the call counts against (its
        run's, the day's, the month's: spent and reserved so far) unless one would pass its cap:
        None when reserved, else the first budget it did not fit (nothing then stays reserved).
        Atomic over the counters: of concurrent callers, only those that fit every budget reserve.
        A counter that does not exist yet starts at what was recorded (``spend``; ``hold.run_seed``)."""
        ...

    def settle_hold(self, tenant_id: str, hold: Hold, cost_usd: float) -> None:
        """Replace the reservation ``hold`` on the tenant's counters with the call's measured cost
        (0: a call that failed unpaid gives it all back), on every counter at once."""
        ...

    def settle_spend(self, day: str, usd: float) -> None:
        """Add ``usd`` (negative: give back) to the deployment's spend of ``day``, without a cap."""
        ...

    def day_spend(self, day: str) -> float:
        """The deployment's spend of ``day`` as counted (reservations included), all tenants."""
        ...

    def claim_page(
        self,
        tenant_id: str,
        page_key: str,
        run_id: str,
        now: datetime,
        hold: timedelta,
        *,
        change: PlanTask | None = None,
    ) -> str | None:
        """Make ``run_id`` the one active run of the page (``shared.domain.tasks.plan.page_key``).
        None when it is now (or already was). Otherwise the id of the holder: a run that exists and is
        neither finished nor released, or a run not yet written that claimed the page less than ``hold``
        before ``now``. For a ``change``, also a released holder that claimed the page after it.
        Any other holder is replaced. While the page is held, ``change`` is remembered on the claim in
        place of the earlier one, unless the holder claimed after it (``change.trigger.seen_by``).
        :meth:`release_page` hands it over; replacing an unreleased holder keeps its unseen change.
        """
        ...

    def release_page(self, tenant_id: str, page_key: str, run_id: str) -> PlanTask | None:
        """Once ``run_id`` has ended: if it holds the page, release it (the next change takes it over
        at once) and return the change remembered while it held the page, if any. The same answer
        on every later call, until another run claims the page; None if ``run_id`` does not hold it."""
        ...

    def reserve_start(
        self, tenant_id: str, run_id: str, now: datetime, interval: timedelta, burst: int
    ) -> datetime:
        """Reserve the tenant's next start of a run from a Notion event under one start per
        ``interval`` (``burst`` at once; ``shared.domain.tasks.plan.next_start``) for ``run_id`` and
        return its time: ``now`` or later. Of different runs reserving at once each gets its own
        start; a run reserving again (its plan task delivered twice) gets the start it has and
        reserves nothing more, for at least a day."""
        ...


class Embedder(Protocol):
    """An embedding model: Vertex AI in production, a local model that runs on CPU elsewhere."""

    @property
    def model(self) -> str:
        """The model's name, stored with each vector: a vector of another model is embedded again."""
        ...

    def embed(self, texts: list[str], task: Task) -> Embedded:
        """Unit vectors of ``texts`` for retrieval (``task``: a passage or a query). TransientError to
        retry; ConfigError for a refusal no retry mends."""
        ...


class PassageStore(Protocol):
    """The workspace index of one tenant at a time (``tenants/{t}/passages``, ``index_pages``,
    ``index_meta``): every method takes the tenant and reads or writes under it alone."""

    def indexed_page(self, tenant_id: str, page_id: str) -> IndexedPage | None: ...

    def indexed_pages(self, tenant_id: str) -> Iterator[IndexedPage]:
        """Every page the tenant's index holds (the nightly reconcile's list)."""
        ...

    def write_page(
        self, tenant_id: str, page: IndexedPage, added: list[StoredPassage], removed: list[str]
    ) -> None:
        """Store the page's record, create ``added``, delete the passages ``removed`` (ids); the
        record is written last, so a crash before it leaves the page to index again."""
        ...

    def delete_page(self, tenant_id: str, page_id: str) -> int:
        """Remove the page and its passages; how many passages went (0: it was not indexed)."""
        ...

    def delete_all(self, tenant_id: str) -> int:
        """Delete the tenant's whole index (a disconnect); how many documents went."""
        ...

    def stats(self, tenant_id: str) -> tuple[int, int]:
        """(passages, words) in the tenant's index: BM25's collection size and average length."""
        ...

    def nearest(
        self, tenant_id: str, vector: list[float], limit: int, scopes: list[str] | None = None
    ) -> list[StoredPassage]:
        """The ``limit`` passages nearest ``vector`` by cosine; only ``scopes``' when given."""
        ...

    def keyword(
        self, tenant_id: str, query_words: list[str], limit: int, scopes: list[str] | None = None
    ) -> list[StoredPassage]:
        """Passages holding any of ``query_words`` (at most ``limit``); only ``scopes``' when given."""
        ...

    def conversation(self, tenant_id: str, conversation_id: str) -> list[tuple[str, str]]:
        """An Ask conversation's turns (question, answer), oldest first; none when it is new."""
        ...

    def add_turn(self, tenant_id: str, conversation_id: str, turn: tuple[str, str], keep: int) -> None:
        """``turn`` added to the conversation, which keeps its latest ``keep`` turns."""
        ...


type Memory = tuple[Embedder, PassageStore]  # the workspace index and the model that embeds for it


class TaskQueue(Protocol):
    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        """Create a task named from ``task_id``; False if a task of that name already exists."""
        ...


class SecretStore(Protocol):
    def get(self, name: str, fresh: bool = False) -> str:
        """The latest version's value. Raises ConfigError (platform secret) or NotFound.
        ``fresh`` bypasses any per-instance cache (e.g. after another instance refreshed a token)."""
        ...

    def put(self, name: str, value: str, *, create: bool = True) -> None:
        """Add a new version, creating the secret if needed; with ``create=False``, NotFound instead
        (a refreshed token goes to the secret its connection has, never to one deleted meanwhile)."""
        ...

    def delete(self, name: str) -> None: ...


class Model(Protocol):
    def generate[T: BaseModel](
        self, purpose: Literal["plan", "draft"], prompt: str, schema: type[T]
    ) -> ModelReply[T]:
        """One structured call. Raises UnusableReply (a ModelFixableError with the call's usage) for
        output off the schema, TransientError to retry."""
        ...


class Notifier(Protocol):
    def deliver(self, task: NotifyTask, tenant: Tenant | None) -> bool:
        """Deliver once to ``tenant`` (as just read; None: gone); False if this notification id was
        delivered before or cannot be delivered (the live notifier records why: ``NotificationLog``)."""
        ...


class NotificationChannel(Protocol):
    """One way a notification reaches a person (a page's comments, a Slack channel, email). The
    delivery policy (shared.services.delivery) asks it whether it can carry a notification, where it
    goes, to send it, and to find by its marker what an earlier attempt sent."""

    name: str

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        """Why this channel cannot carry ``task`` for ``tenant``; None when it can."""
        ...

    def destination(self, tenant: Tenant) -> str:
        """Where in this channel a notification goes now, when the tenant's settings say and may
        change (the Slack channel's id); "" when the task alone says (a page's comments) or nothing
        can be searched (email)."""
        ...

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        """The id of what an earlier attempt sent between ``since`` and ``until`` (found by its marker
        line) to ``where`` (as it recorded it), if any."""
        ...

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        """Send it; the id of the comment, message or email."""
        ...


class LinkMinter(Protocol):
    """Mints a notification's signed links as it is sent (``shared.services.links.LinkMinter``)."""

    def links(self, task: NotifyTask, tenant: Tenant) -> Links:
        """The links ``task``'s mail carries for ``tenant`` as just read (none: ``NO_LINKS``)."""
        ...


class NotificationLog(Protocol):
    """``tenants/{t}/notifications/{notification_id}``: what was sent, or why it could not be."""

    def claim(self, tenant_id: str, record: NotificationRecord, now: datetime) -> Claimed:
        """Create ``record`` exclusively (NEW). If it exists: DONE when sent or undeliverable, BUSY
        while a ``sending`` record's lease lasts, else take it over with ``record.lease_until``
        (RETAKEN, with the channel it records; of two takers only one wins, the other gets BUSY)."""
        ...

    def finish(self, tenant_id: str, notification_id: str, outcome: Outcome, now: datetime) -> None:
        """Record ``outcome`` at ``now`` (:meth:`Outcome.changes`: the record's lease ends)."""
        ...

    def release(self, tenant_id: str, notification_id: str, now: datetime) -> None:
        """End a ``sending`` record's lease (a transient failure): the retry takes it over at once."""
        ...

    def move(self, tenant_id: str, notification_id: str, move: Move, now: datetime) -> None:
        """A ``sending`` record goes to ``move.channel`` now (:meth:`Move.changes`), with a new lease:
        a retry after a crash looks there."""
        ...

    def recent(self, tenant_id: str, limit: int, since: datetime | None = None) -> list[NotificationRecord]:
        """The tenant's records, newest first; with ``since``, only those created at or after it."""
        ...


class TenantStore(Protocol):
    """``tenants/{t}`` and the ``workspaces/{workspace_id}`` routing documents."""

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        """``fresh`` bypasses any per-instance cache: what a person just changed (a budget) counts."""
        ...

    def by_workspace(self, workspace_id: str) -> Tenant | None: ...

    def save(self, tenant: Tenant) -> None:
        """Write the tenant and its workspace routing document together, over whatever is stored
        (seeding; a change of a stored tenant goes through ``update``)."""
        ...

    def update(self, tenant_id: str, change: Callable[[Tenant | None], Tenant]) -> Tenant:
        """Store ``change`` of the tenant as stored now (None: there is none yet) with its routing
        document, and return it. Conditioned on what was read: if another update lands in between,
        the tenant is read again and ``change`` applied to that, so no update undoes another (so
        ``change`` must have no side effect). What ``change`` raises goes up; nothing is stored."""
        ...

    def active_page(self, after: str | None, limit: int) -> list[Tenant]:
        """Up to ``limit`` active tenants in tenant-id order, after the id ``after`` (None: the first)."""
        ...

    def last_tick(self) -> datetime | None:
        """The latest daily-planning tick whose fan-out got under way (``record_tick``); None: none yet."""
        ...

    def record_tick(self, tick: datetime) -> None:
        """Remember ``tick`` as fanned out, unless a later tick is remembered already (never back)."""
        ...

    def ask_recipient(
        self, recipient: str, day: str, tenant_id: str, limit: int, expires_at: datetime
    ) -> bool:
        """Count ``tenant_id`` among the workspaces that asked ``recipient`` (an address's hash) to
        confirm it on ``day``: True if it is one of them already or there was room for it (at most
        ``limit`` workspaces); False otherwise, changing nothing. The count expires at ``expires_at``."""
        ...

    def note_run_row(self, tenant_id: str, page_id: str, run_id: str) -> None:
        """Remember page ``page_id`` (plain: no hyphens, lowercase) as run ``run_id``'s row in the
        Runs database (``tenants/{t}/row_pages/{page}``); writing it again changes nothing."""
        ...

    def is_run_row(self, tenant_id: str, page_id: str) -> bool:
        """Whether ``page_id`` (plain) was noted as a Runs row: one document read."""
        ...

    def run_of_row(self, tenant_id: str, page_id: str) -> str | None:
        """The run whose row the agent noted ``page_id`` (plain) to be; None: not a row it wrote."""
        ...

    def claim_day_plan(self, tenant_id: str, day: str, now: datetime, until: datetime) -> Kept:
        """Take the writing of ``tenant_id``'s plan of ``day`` (YYYYMMDD) until ``until`` and return
        what is kept of it. TransientError while another holds it (a task delivered twice at once)."""
        ...

    def kept_day_plan(self, tenant_id: str, day: str) -> Kept | None:
        """What is kept of the plan of ``day``; None: none was written (or it expired)."""
        ...

    def keep_day_plan(self, tenant_id: str, day: str, kept: Kept, expires_at: datetime) -> None:
        """Store ``kept`` for ``day`` and end the claim; it expires at ``expires_at``."""
        ...


class OAuthStateStore(Protocol):
    """``oauth_states/{key}``: the connect states used so far, each kept until it has expired (TTL on
    ``expires_at``). Its signature shows a state genuine and unexpired; this makes it single-use."""

    def use(self, key: str, expires_at: datetime) -> bool:
        """Record the state used (an exclusive create): True for exactly one caller, ever."""
        ...


class InviteStore(Protocol):
    """``invites/{sha256(code)}``: the operator's invite codes, each with the uses it has left (the
    code itself is never stored: :mod:`shared.domain.signup`)."""

    def create(self, key: str, uses: int, now: datetime) -> None:
        """A new invite admitting ``uses`` connections."""
        ...

    def uses_left(self, key: str) -> int | None:
        """The uses the invite has left; None when there is no such invite."""
        ...

    def use(self, key: str) -> bool:
        """Take one use, atomically: True for at most ``uses`` callers ever, False once none is left
        (or there is no such invite)."""
        ...

    def give_back(self, key: str) -> None:
        """Return a use taken by a connect that then stored nothing."""
        ...


class PaceCounters(Protocol):
    """``api_paces/{id}``: counters of the api's requests per person and per key in a window of time,
    shared by every api instance (:mod:`shared.services.api_limits`); each expires with its window."""

    def add(self, counters: Sequence[str], expires_at: datetime) -> list[int]:
        """Add one to each named counter, atomically each (not together); the counts after this
        request's, in order. A counter starts at 0 and is deleted at some time after ``expires_at``."""
        ...


class ApiKeyStore(Protocol):
    """``api_keys/{key_id}``: the workspaces' API keys (the hash of each secret, never the secret).

    Keyed by the key's id alone, so a request's key is found in one read; every other method takes
    the tenant id and reaches that tenant's keys only."""

    def create(self, key: ApiKey) -> None:
        """Store a new key; Conflict if its id is taken already (never overwritten)."""
        ...

    def replace(self, previous: ApiKey, key: ApiKey) -> bool:
        """Overwrite ``previous`` with ``key`` (the same id and tenant; a new secret): the previous
        secret stops working. False, writing nothing, if the stored key is no longer ``previous``
        (replaced or deleted since it was read)."""
        ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def list_for(self, tenant_id: str) -> list[ApiKey]:
        """The tenant's keys, newest first."""
        ...

    def delete(self, tenant_id: str, key_id: str) -> bool:
        """Delete the tenant's key; False if it has none of that id (unknown, deleted already, or
        another tenant's, which is left alone)."""
        ...


class AgentStore(Protocol):
    """``tenants/{t}/agents/{agent_id}``: a workspace's agents (shared.domain.agents)."""

    def list_for(self, tenant_id: str) -> list[Agent]:
        """The tenant's agents: the default first, then by name."""
        ...

    def get(self, tenant_id: str, agent_id: str) -> Agent | None: ...

    def create(self, tenant_id: str, agent: Agent) -> bool:
        """Store a new agent; False, writing nothing, if one of its id exists."""
        ...

    def update(self, tenant_id: str, agent_id: str, change: Callable[[Agent], Agent]) -> Agent | None:
        """Apply ``change`` to the stored agent, losing no concurrent write; None if there is none."""
        ...

    def delete(self, tenant_id: str, agent_id: str) -> bool:
        """False if there was no such agent."""
        ...


class AuditLog(Protocol):
    """``tenants/{t}/audit/{entry_id}``: the workspace's audit log, removed by TTL at ``expires_at``."""

    def record(self, tenant_id: str, entry: AuditEntry) -> None:
        """Store ``entry`` (its id is new: never overwritten)."""
        ...

    def newest(
        self, tenant_id: str, *, before: datetime | None, since: datetime | None, limit: int
    ) -> list[AuditEntry]:
        """Up to ``limit`` entries of the tenant, newest first, made before ``before`` (None: any time)
        and not before ``since`` (None: any time)."""
        ...


class DeadLetterStore(Protocol):
    """``dead_letters/{letter_id}``: task bodies that can never become valid, for an operator."""

    def keep(self, letter: DeadLetter) -> bool:
        """Store the letter; False if it was stored already."""
        ...

    def recent(self, limit: int = 50) -> list[DeadLetter]:
        """The newest letters first."""
        ...


class WebhookEventLedger(Protocol):
    """``tenants/{t}/events/{event_id}``: de-duplication of webhook events and of API requests that
    carry a ``request_id`` (expire by TTL)."""

    def record(
        self,
        tenant_id: str,
        event_id: str,
        event_type: str,
        now: datetime,
        expires_at: datetime,
        *,
        task: dict[str, Any] | None = None,
    ) -> EventRecord:
        """Create the record, keeping ``task`` (the task this delivery would make); if it exists
        already, report when it was first seen, with what type and task, and whether it is marked
        ``enqueued``. One create, and a read only for a repeat."""
        ...

    def mark_enqueued(self, tenant_id: str, event_id: str) -> None:
        """Mark the record: the event's task exists or was taken by plan, so a repeat of the event
        enqueues nothing. One update; a record that is gone (expired) is left gone."""
        ...

    def skip(self, tenant_id: str, edit: SkippedEdit) -> None:
        """Keep ``edit`` in its slot, ``tenants/{t}/skipped_edits/{slot}``, replacing what was there."""
        ...

    def skipped(self, tenant_id: str, since: datetime, limit: int = 50) -> list[SkippedEdit]:
        """The tenant's skipped edits made at or after ``since``, newest first."""
        ...


class NotionOAuth(Protocol):
    def exchange_code(
        self, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> NotionGrant: ...

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> NotionGrant: ...

    def revoke(self, client_id: str, client_secret: str, token: str) -> None: ...


class NotionClient(Protocol):
    """Notion's API (version 2025-09-03) for whoever holds a token: one per instance."""

    def with_token(self, token: str) -> TenantNotion:
        """:class:`TenantNotion` calling with ``token`` (nothing is requested until a call)."""
        ...


class TenantNotion(Protocol):
    """Notion's API (version 2025-09-03) for one tenant. The engine supplies the tenant's current
    token (refreshed once on a 401: shared.services.notion_access); a listing is read as its caller
    takes it, each request with the token.

    Errors are the project's kinds: 429/529 → TransientError with ``retry_after_s``; 5xx → TransientError;
    401 → Unauthenticated; other 4xx → PermanentError carrying Notion's code and message.
    """

    def me(self) -> dict[str, Any]: ...

    def search(self, query: str = "", filter: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]: ...

    def retrieve_page(self, page_id: str) -> dict[str, Any]: ...

    def create_page(
        self,
        parent: dict[str, Any],
        properties: dict[str, Any],
        children: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Creates the page with at most 100 children; the rest are appended in batches."""
        ...

    def update_page_properties(self, page_id: str, properties: dict[str, Any]) -> dict[str, Any]: ...

    def retrieve_data_source(self, data_source_id: str) -> dict[str, Any]: ...

    def query_data_source(
        self,
        data_source_id: str,
        filter: dict[str, Any] | None = None,
        sorts: list[dict[str, Any]] | None = None,
    ) -> Iterator[dict[str, Any]]: ...

    def retrieve_database(self, database_id: str) -> dict[str, Any]: ...

    def list_children(self, block_id: str) -> Iterator[dict[str, Any]]: ...

    def append_blocks(
        self, block_id: str, blocks: list[dict[str, Any]], after: str | None = None
    ) -> list[dict[str, Any]]:
        """Appends in batches of 100 (``after``: placed after that child, not at the end); returns the
        created blocks."""
        ...

    def retrieve_block(self, block_id: str) -> dict[str, Any]:
        """The block, a trashed one too (``in_trash``)."""
        ...

    def move_page(self, page_id: str, parent_page_id: str) -> dict[str, Any]:
        """Moves a page under another page (``POST /v1/pages/{id}/move``); returns the page."""
        ...

    def trash_page(self, page_id: str, in_trash: bool) -> dict[str, Any]:
        """Moves a page to the trash, or back out of it (``in_trash``); returns the page."""
        ...

    def update_block(self, block_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Replaces a block's type content (``{"paragraph": {"rich_text": [...]}}``); returns the block."""
        ...

    def delete_block(self, block_id: str) -> None:
        """Moves a block, and what it holds, to the trash."""
        ...

    def list_comments(self, block_id: str) -> Iterator[dict[str, Any]]: ...

    def get_comment(self, comment_id: str) -> dict[str, Any]: ...

    def add_comment(self, page_id: str, text: str, discussion_id: str = "") -> dict[str, Any]:
        """A comment on ``page_id``; with ``discussion_id``, a reply in that comment thread."""
        ...

    def search_visible(
        self, query: str, start_cursor: str | None, page_size: int, kind: str | None = None
    ) -> dict[str, Any]:
        """One page of search (pages and data sources the integration can see, titles matching
        ``query``; only ``kind``, "page" or "data_source", when given): Notion's ``results``,
        ``next_cursor`` and ``has_more``."""
        ...

    def create_database(
        self,
        parent_page_id: str,
        title: str,
        properties: dict[str, Any],
        description: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Create a database under the page with one data source of ``properties`` (Notion's property
        configuration requests); the database object, its ``data_sources`` naming that one."""
        ...


class CodeHost(Protocol):
    """GitHub: a branch, one commit and a pull request per change; the caller passes the token."""

    def account(self, token: str) -> str:
        """The login ``token`` acts as; Unauthenticated if GitHub refuses it (checked when stored)."""
        ...

    def find_pull_request(self, token: str, repository: str, branch: str) -> PullRequest | None: ...

    def open_pull_request(self, token: str, change: CodeChange) -> PullRequest:
        """Idempotent: a repeat (after a crash) finds the branch, its commit and its pull request."""
        ...

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        """Each of ``paths`` as it is now at the head of ``base`` ("": the default branch); None: no such
        file. What an approval of a pull request diffs against."""
        ...


class Deployer(Protocol):
    """Vercel: deployments of a project from a Git ref, found again by our idempotency key."""

    def account(self, token: str) -> str:
        """The user ``token`` acts as; Unauthenticated if Vercel refuses it (checked when stored)."""
        ...

    def find_deployment(
        self, token: str, project: str, key: str, team_id: str | None = None
    ) -> Deployment | None: ...

    def create_deployment(self, token: str, request: DeployRequest) -> Deployment: ...

    def get_deployment(self, token: str, deployment_id: str, team_id: str | None = None) -> Deployment: ...


class CodeAccess(Protocol):
    """What the code tools use (``shared.services.code_access`` implements it): GitHub and Vercel,
    a tenant's token for each, and what the tenant's owner allowed."""

    @property
    def host(self) -> CodeHost: ...

    @property
    def deployer(self) -> Deployer: ...

    def token(self, tenant_id: str, integration: Integration) -> str: ...

    def allowed(self, tenant_id: str) -> TenantSettings: ...


class Chat(Protocol):
    """Slack's Web API with a workspace's bot token (``xoxb-...``); the caller passes the token.

    Errors: a refused token (``invalid_auth``, ``not_authed``, ``token_revoked``, ``token_expired``,
    ``account_inactive``) is Unauthenticated. A channel that does not exist or the bot cannot see is
    NotFound; another refusal for good (``not_in_channel``, ``is_archived``, ``missing_scope``, ...) is
    PermanentError. Rate limiting (429, ``ratelimited``), Slack's 5xx and transport failures are
    TransientError (``retry_after_s`` from Retry-After). No message carries the token.
    """

    def account(self, token: str) -> str:
        """Who ``token`` is (``auth.test``: "<bot user> in <team>"); checked when it is stored."""
        ...

    def post_message(self, token: str, channel: str, text: str) -> str:
        """Post ``text`` to the channel id ``channel`` (``chat.postMessage``); the message's ``ts``."""
        ...

    def find_message(
        self, token: str, channel: str, marker: str | tuple[str, ...], oldest: datetime, latest: datetime
    ) -> str | None:
        """The ``ts`` of a message in ``channel`` posted between ``oldest`` and ``latest`` whose text
        ends with ``marker`` (or one of several), or None when there is none. Read through
        ``conversations.history`` for a bounded number of pages: a window holding more messages than
        those is a PermanentError (whether the message is there cannot be told), never None."""
        ...


class ChatWebhooks(Protocol):
    """Discord's incoming webhooks; the caller passes the webhook's URL (its path holds the secret).

    Errors: a URL that is not a Discord webhook's is PermanentError (naming the expected form). A
    webhook Discord no longer knows (401, 403, 404) is Unauthenticated. A message Discord refuses (400)
    is PermanentError. Rate limiting (429), Discord's 5xx and transport failures are TransientError.
    No message carries the URL.
    """

    def account(self, url: str) -> str:
        """The webhook's name and channel ("<name> in channel <id>"); checked when it is stored."""
        ...

    def post(self, url: str, text: str) -> str:
        """Post ``text`` (at most 2,000 characters; no mention pings anyone); the message's id."""
        ...


class Mailer(Protocol):
    """Email through an SMTP relay (SendGrid, Mailgun, Amazon SES, Google Workspace, ...), from the one
    sender the deployment configures; the caller passes the relay's password.

    Errors: the relay refusing the credentials is Unauthenticated; refusing the recipient or the
    message for good (a 5xx answer) is PermanentError naming the reply code; a 4xx answer, a timeout,
    a refused or lost connection is TransientError. No message or log line carries the password.
    """

    def send(self, password: str, mail: Mail) -> str:
        """Hand ``mail`` to the relay; its Message-ID once the relay has accepted it."""
        ...


class DoctorChecks(Protocol):
    """``doctor_checks/{check_id}``: what ``make doctor`` sent through each queue and the hop each
    task function answered (shared.services.doctor); removed by TTL."""

    def begin(self, check_id: str, record: dict[str, Any]) -> None:
        """Store a new check."""
        ...

    def record_sent(self, check_id: str, sent: dict[str, Any]) -> None:
        """Record what was enqueued on each queue."""
        ...

    def record_hop(self, check_id: str, queue: str, hop: dict[str, Any]) -> bool:
        """Record the answer of ``queue``'s function; False when the check is unknown."""
        ...

    def get(self, check_id: str) -> dict[str, Any] | None:
        """The check as stored; None when there is none."""
        ...
