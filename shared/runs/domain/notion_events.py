"""Notion webhook events: signature, shape, which ones start work, and the plan task they become. Pure.

Shapes follow Notion's webhooks reference (event envelope: ``id``, ``timestamp``, ``workspace_id``,
``type``, ``authors``, ``entity``, ``data``) and @notionhq/client's webhook types. Events are signals:
the plan step fetches the page fresh, so an event carries only identities, never content.
"""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, field_validator

from shared.platform.domain.ids import id_problem
from shared.platform.domain.schema import Record
from shared.runs.domain.plan_task import EARLIEST_EVENT, READ_LAG, PlanTask, Trigger, page_key
from shared.workspace.domain.skipped_edits import KEEP, MAX_AUTHORS, SLOTS, SkippedEdit
from shared.workspace.domain.tenants import Tenant
from shared.workspace.domain.triggers import Mentioned, PropertyCheck, describe, rule_verdict, rules_for

SIGNATURE_HEADER = "X-Notion-Signature"
EVENT_TYPES = frozenset(
    {
        "page.created",
        "page.properties_updated",
        "page.content_updated",
        "comment.created",
        "data_source.content_updated",
        "page.deleted",  # these three change only the workspace index (INDEX_ONLY)
        "page.undeleted",
        "page.moved",
    }
)
# The API versions whose events the agent reads: data sources' shapes, the same in both (Notion's
# upgrade guide for 2026-03-11 changes no event). A subscription is made with one version, in Notion's
# settings (docs/deploy.md): an event of an older one (databases, not data sources) is not read.
EVENT_API_VERSIONS = frozenset({"2025-09-03", "2026-03-11"})
INDEX_ONLY = frozenset({"page.deleted", "page.undeleted", "page.moved"})
INDEX_EVENTS = INDEX_ONLY | {"page.created", "page.content_updated", "page.properties_updated"}
# Notion's verification tokens are short ASCII ("secret_..."); anything else is refused before it is
# stored, and it could not be pasted back into Notion's Verify dialog anyway.
_VERIFICATION_TOKEN = re.compile(r"[!-~]{1,500}")
_NOT_TEXT = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")  # a lone surrogate or a control character
_PLAIN_ID = re.compile(r"[0-9a-f]{32}")  # a Notion id (a UUID) without its hyphens
# An event's timestamp names its coalescing window and bounds what a run has read
# (``Trigger.changed_before``). One from before Notion's public API existed, or further ahead than any
# clock skew, is not a real change time: using it could skip a change or overflow.
CLOCK_SKEW = timedelta(days=1)


def signature_valid(verification_token: str, body: bytes, header: str | None) -> bool:
    """``header`` is ``sha256=<hex HMAC-SHA256(body, token)>``; compared in constant time."""
    if not header or not verification_token:
        return False
    expected = "sha256=" + hmac.new(verification_token.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


def _text(value: object) -> object:
    """``value``, unless it is a string that is not text: JSON's ``\\ud800`` escapes carry what no
    store or log can encode (checked before pydantic's own refusal, to say so)."""
    if isinstance(value, str) and _NOT_TEXT.search(value):
        raise ValueError(
            "must be text: it holds a lone surrogate (\\ud800 to \\udfff) or a control character"
        )
    return value


def _document_id(value: str) -> str:
    """``value``, if Firestore accepts it as a document id."""
    if problem := id_problem(value):
        raise ValueError(problem)
    return value


# An id that names a document: these characters, and a document id Firestore accepts.
EventId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,100}$"), AfterValidator(_document_id)]
_Id = Annotated[str, Field(max_length=100), BeforeValidator(_text)]
_Type = Annotated[str, Field(max_length=50), BeforeValidator(_text)]


class _Model(Record):
    model_config = ConfigDict(extra="ignore")  # what Notion adds to its events is ignored


class Ref(_Model):
    id: _Id
    type: _Type


class Parent(_Model):
    id: _Id | None = None
    type: _Type | None = None
    data_source_id: _Id | None = None


class EventData(_Model):
    parent: Parent | None = None
    page_id: _Id | None = None
    # page.properties_updated: the ids of the properties that changed (what trigger rules match on)
    updated_properties: (
        Annotated[list[Annotated[str, Field(max_length=200), BeforeValidator(_text)]], Field(max_length=1000)]
        | None
    ) = None


class NotionEvent(_Model):
    """One webhook event of a known type (unknown types are acknowledged before this is parsed)."""

    id: EventId  # names its record, tenants/{t}/events/{id}
    type: Annotated[str, Field(max_length=100), BeforeValidator(_text)]
    timestamp: datetime  # Notion's, in UTC (one without a zone is read so); see timestamp_problem too
    workspace_id: EventId  # names its route, workspaces/{id}
    entity: Ref
    authors: Annotated[list[Ref], Field(max_length=1000)] = Field(default_factory=list)
    data: EventData = Field(default_factory=EventData)
    attempt_number: Annotated[int, Field(ge=1, strict=True)] = 1
    # the subscription's API version (absent from the oldest events); see EVENT_API_VERSIONS
    api_version: Annotated[str, Field(max_length=40), BeforeValidator(_text)] | None = None

    @field_validator("timestamp")
    @classmethod
    def _a_real_change_time(cls, timestamp: datetime) -> datetime:
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)
        if timestamp < EARLIEST_EVENT:
            raise ValueError(f"is before {EARLIEST_EVENT:%Y-%m-%d}: not a real change time")
        return timestamp


def timestamp_problem(event: NotionEvent, now: datetime) -> str | None:
    """Why ``event``'s timestamp cannot be used at ``now`` (it is in the future), or None."""
    if event.timestamp > now + CLOCK_SKEW:
        return "the event's timestamp is more than a day ahead of our clock: not a real change time"
    return None


def too_old(event: NotionEvent, now: datetime, max_age: timedelta) -> str | None:
    """Why ``event`` is too old to act on at ``now``, or None. Notion delivers an event within a
    minute and retries a failed delivery for a bounded time. An event older than ``max_age`` is a replay
    or a delivery past any retry, and the ledger that would know it as a repeat may have forgotten it
    (docs/decisions/0005-webhook-event-age.md).
    """
    age = now - event.timestamp
    if age > max_age:
        hours = max_age // timedelta(hours=1)
        return f"the event is older than {hours} hours (its timestamp): a replay or a delivery past Notion's retries"
    return None


def is_handshake(payload: Any) -> bool:
    """Notion's one-time subscription check: a body holding only ``verification_token``, a string
    (whether it is a plausible token is :func:`plausible_verification_token`)."""
    return (
        isinstance(payload, dict)
        and set(payload) == {"verification_token"}
        and isinstance(payload["verification_token"], str)
    )


def plausible_verification_token(token: str) -> bool:
    """1 to 500 visible ASCII characters (no spaces), as Notion's tokens are."""
    return _VERIFICATION_TOKEN.fullmatch(token) is not None


def _norm(notion_id: str | None) -> str:
    """Notion ids appear with and without hyphens (URLs drop them): compare them without."""
    return (notion_id or "").replace("-", "").lower()


def plain_id(notion_id: str | None) -> str:
    """A Notion id without hyphens, lowercase, as a document id; "" if it is no Notion id."""
    plain = _norm(notion_id)
    return plain if _PLAIN_ID.fullmatch(plain) else ""


class Admission(NamedTuple):
    """Whether an event starts work, and why (the reason is logged); ``checks``: values the page must
    then have for a run to start, checked when planning (none: it starts as it is)."""

    admitted: bool
    reason: str
    checks: tuple[PropertyCheck, ...] = ()
    agent_id: str | None = None  # the agent whose rules it meets (None: the default agent)
    # Not admitted by trigger rules that watch its data source (shared.workspace.domain.skipped_edits keeps it)
    rule_skipped: bool = False
    rule: str = ""  # what admitted it, in words: the trigger rules it met, a chosen page, a mention


def admit(event: NotionEvent, tenant: Tenant) -> Admission:
    """Whether ``event`` starts work for ``tenant``, and why (the reason is logged)."""
    bot = _norm(tenant.bot_id)
    if bot and event.authors and all(_norm(a.id) == bot for a in event.authors):
        # Only our own bot's changes: acting on them would make the agent trigger itself. An
        # aggregated event that also carries a person's change is kept, or that change would be lost.
        return Admission(False, "authored by our own bot")
    if event.type == "comment.created":
        # The event does not carry the comment's text: the plan step checks the mention
        # (mentions_bot) once it fetches the comment.
        if tenant.settings.react_to_mentions:
            return Admission(True, "comment (mention checked when planning)", rule=describe(Mentioned()))
        return Admission(False, "mentions are switched off")
    if event.type == "data_source.content_updated":
        return Admission(False, "covered by the page events of the same change")
    if event.type in INDEX_ONLY:
        return Admission(False, "changes only the workspace index")
    return _page_admission(event, tenant)


def indexed_page(event: NotionEvent, tenant: Tenant) -> str | None:
    """The page (plain id) whose passages ``event`` changes in the tenant's index: a page event on a
    chosen page, or a row of a chosen data source, whoever made it; None for any other event."""
    if event.type not in INDEX_EVENTS or event.entity.type != "page":
        return None
    settings, parent = tenant.settings, event.data.parent or Parent()
    chosen = _norm(event.entity.id) in {_norm(p) for p in settings.page_ids}
    in_source = _norm(parent.data_source_id) in {_norm(d) for d in settings.data_source_ids} - {""}
    return _norm(event.entity.id) if chosen or in_source else None


def _page_admission(event: NotionEvent, tenant: Tenant) -> Admission:
    settings, parent = tenant.settings, event.data.parent or Parent()
    # Chosen pages start work only when chosen for it too (trigger_page_ids; None: every chosen page).
    watched = settings.page_ids if settings.trigger_page_ids is None else settings.trigger_page_ids
    pages = {_norm(p) for p in watched} & {_norm(p) for p in settings.page_ids}
    if _norm(event.entity.id) in pages or (parent.type == "page" and _norm(parent.id) in pages):
        return Admission(True, "a chosen page", rule="a change of a chosen page")
    skipped = None  # the first agent's rules that watch its data source and did not start it
    for agent_id, triggers in sorted(tenant.agent_triggers.items()):  # an agent's own rules first
        if parent.data_source_id and _norm(parent.data_source_id) in {_norm(d) for d in triggers}:
            verdict = rule_verdict(
                event.type, event.data.updated_properties, rules_for(triggers, parent.data_source_id)
            )
            if verdict.starts:
                return Admission(
                    True,
                    f"agent {agent_id}'s rules: {verdict.reason}",
                    verdict.checks,
                    agent_id,
                    rule="; ".join(verdict.rules),
                )
            skipped = skipped or Admission(
                False, f"agent {agent_id}'s rules: {verdict.reason}", rule_skipped=True
            )
    if _norm(parent.data_source_id) in {_norm(d) for d in settings.data_source_ids} - {""}:
        # The data source's trigger rules, from the event alone (docs/settings.md, "Trigger rules")
        rules = rules_for(settings.triggers, parent.data_source_id)
        verdict = rule_verdict(event.type, event.data.updated_properties, rules)
        reason = f"a page of a chosen data source: {verdict.reason}"
        return Admission(
            verdict.starts,
            reason,
            verdict.checks,
            rule_skipped=not verdict.starts,
            rule="; ".join(verdict.rules),
        )
    return skipped or Admission(False, "not in the chosen pages or data sources")


class PlanRequest(NamedTuple):
    """The plan task an event becomes, its task id, and the earliest time it should run."""

    task: PlanTask
    task_id: str
    not_before: datetime | None = None  # set when named from the page and its window, not the event
    # When the task is scheduled (with ``not_before``): READ_LAG after the window's end, or, for an
    # event that came after that, the end of the window it came in (see :func:`plan_task`).
    run_at: datetime | None = None

    @property
    def coalesced(self) -> bool:
        return self.not_before is not None

    def stored(self) -> dict[str, Any]:
        """What the event's record keeps of it, so that a repeat enqueues this very task."""
        at = {
            k: v.isoformat() if v else None
            for k, v in (("not_before", self.not_before), ("run_at", self.run_at))
        }
        return {"id": self.task_id, "body": self.task.model_dump(mode="json")} | at

    @classmethod
    def restored(cls, stored: dict[str, Any] | None) -> "PlanRequest | None":
        """The request a record kept (:meth:`stored`); None for a record that kept none or a
        body this version cannot read (the caller names the task again from the event)."""
        if not stored:
            return None
        try:
            times = [
                datetime.fromisoformat(stored[k]) if stored.get(k) else None for k in ("not_before", "run_at")
            ]
            return cls(PlanTask.model_validate(stored["body"]), str(stored["id"]), times[0], times[1])
        except (KeyError, TypeError, ValueError):  # pydantic's ValidationError is a ValueError
            return None


def settle_time(window_s: float) -> timedelta:
    """How long after its window's end a page's window task runs: :data:`READ_LAG`, at most the window
    itself. A short window (the local stack's 2 s) is for a quick answer against a sandbox without read
    lag; its late events still go through the page's claim.
    """
    return min(READ_LAG, timedelta(seconds=window_s))


def by_owner(event: NotionEvent, tenant: Tenant) -> bool:
    """Whether the workspace's owner authored ``event``: every author is the owner (or our own bot,
    with the owner among them). Unknown when the tenant's owner is (a connection from before the
    field): a member's then."""
    owner, bot = _norm(tenant.owner_user_id), _norm(tenant.bot_id)
    people = {_norm(a.id) for a in event.authors} - {bot}
    return bool(owner) and people == {owner}


def with_owner_reach(event: NotionEvent, tenant: Tenant) -> bool:
    """Whether the run ``event`` starts has the owner's reach (decision 0147): each author (our bot
    aside) is a member of the team whose role has it. That is ``Tenant.owner_reach``: the owner, or a
    role that approves reads beyond a run's reach. An admin's edit is then an admin's, as their
    ``POST /runs`` is, not a member's. Only :func:`by_owner` decides what needs the owner in person (a
    Runs row's decision or answer)."""
    owner, bot = _norm(tenant.owner_user_id), _norm(tenant.bot_id)
    people = sorted({_norm(a.id) for a in event.authors} - {bot})
    return bool(owner) and bool(people) and tenant.owner_reach(tenant.role_of_authors(people))


def plan_task(
    event: NotionEvent,
    tenant_id: str,
    window_s: float = 0.0,
    arrived: datetime | None = None,
    *,
    owner: bool = False,
    checks: tuple[PropertyCheck, ...] = (),
    agent_id: str | None = None,
    rule: str = "",
    bot_id: str = "",
) -> PlanRequest:
    """The plan task for ``event`` (its timestamp must have passed :func:`timestamp_problem`); a repeat
    names the same task and run (``arrived``: when the event was *first* received). With ``window_s``
    > 0, a page's changes timed in one window name one task and run, due :func:`settle_time` after
    the window's end; one first received later names a task of its own window. Comments never merge.
    ``owner`` (:func:`by_owner`): the owner's and a member's changes name different tasks. ``checks``:
    the values a trigger rule asks the page to have; changes with checks name a task per set of
    checked properties; ``agent_id``, the agent whose rules it met, a task per agent.
    Why: docs/decisions/0014-webhook-runs-coalesced-and-paced.md."""
    comment = event.type.startswith("comment.")
    parent = event.data.parent or Parent()
    data_source = event.entity.id if event.entity.type == "data_source" else parent.data_source_id
    page_id = event.data.page_id if comment else (event.entity.id if event.entity.type == "page" else None)
    trigger = Trigger(
        kind="webhook",
        event_id=event.id,
        event_type=event.type,
        page_id=page_id,
        data_source_id=data_source,
        comment_id=event.entity.id if comment else None,
        by_owner=owner,
        checks=list(checks),
        people=list(dict.fromkeys(a.id for a in event.authors if _norm(a.id) != _norm(bot_id)))[:10],
        rule=rule[:300],
    )
    changed = trigger.changed_page
    if window_s > 0 and changed:
        window = int(event.timestamp.timestamp() // window_s)
        key = f"{page_key(changed)}-{window}" + ("-o" if owner else "") + _checked(checks)
        key += f"-a{agent_id}" if agent_id else ""
        ends = datetime.fromtimestamp((window + 1) * window_s, UTC)
        run_at = ends + settle_time(window_s)
        if arrived is not None and arrived >= run_at:  # the window's task may have run: not joined
            came = int(arrived.timestamp() // window_s)
            key, run_at = f"{key}-{came}", datetime.fromtimestamp((came + 1) * window_s, UTC)
        trigger = trigger.model_copy(update={"changed_before": ends})
        task = PlanTask(tenant_id=tenant_id, run_id=f"wh-{key}", trigger=trigger, agent_id=agent_id)
        return PlanRequest(task, f"plan:{tenant_id}:page:{key}", ends, run_at)
    task = PlanTask(tenant_id=tenant_id, run_id=f"wh-{event.id}", trigger=trigger, agent_id=agent_id)
    return PlanRequest(task, f"plan:{tenant_id}:{event.id}")


def _checked(checks: tuple[PropertyCheck, ...]) -> str:
    """The part of a window's task name that sets a change to be checked apart: the checked
    properties' ids, hashed (a change that starts as it is must not wait on another's check)."""
    if not checks:
        return ""
    ids = "\n".join(sorted({c.property_id for c in checks}))
    return "-if" + hashlib.sha256(ids.encode()).hexdigest()[:10]


def mentions_bot(comment: dict[str, Any], bot_id: str) -> bool:
    """True when a comment object (as Notion returns it) mentions the user ``bot_id``."""
    for item in comment.get("rich_text") or []:
        mention = item.get("mention") if isinstance(item, dict) else None
        if isinstance(mention, dict) and mention.get("type", "user") == "user":
            user = mention.get("user")
            if isinstance(user, dict) and _norm(str(user.get("id", ""))) == _norm(bot_id):
                return True
    return False


def skipped_edit(event: NotionEvent, rule: str, now: datetime) -> SkippedEdit:
    """The record of ``event``, which ``rule`` (the verdict's reason) did not let start a run."""
    parent = event.data.parent
    source = plain_id(parent.data_source_id) if parent and parent.data_source_id else ""
    people = [p for a in event.authors if a.type == "person" and (p := plain_id(a.id))]
    return skipped(plain_id(event.entity.id), source, event.type, rule, people=people, now=now)


def skipped(
    page: str, source: str, event_type: str, rule: str, *, people: list[str], now: datetime
) -> SkippedEdit:
    """The record of a change of ``page`` (of data source ``source``) that ``rule`` let start nothing:
    in its page's and rule's slot, kept a week."""
    digest = hashlib.sha256(f"{page}|{rule}".encode()).digest()
    return SkippedEdit(
        slot=f"s{int.from_bytes(digest[:4]) % SLOTS:03d}",
        page_id=page,
        data_source_id=source,
        event_type=event_type,
        rule=rule[:300],
        people=people[:MAX_AUTHORS],
        at=now,
        expires_at=now + KEEP,
    )
