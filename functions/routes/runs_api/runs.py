"""Runs: start one, list them, follow one (timeline). Deciding and controlling one: ``run_actions``."""

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from flask import Response
from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from functions._http import Reply, parse_json, reply
from functions.routes import Call
from shared.notion.services import notion_text as nt
from shared.platform.domain.schema import Instant, Schema, some_text
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import AgentError, Forbidden, InvalidInput, NotFound
from shared.runs.domain.events import RunStatus
from shared.runs.domain.run_search import MAX_QUERY_WORDS, words
from shared.runs.services import runs
from shared.workspace.domain.settings import NOTION_ID

if TYPE_CHECKING:  # the ports' protocols stay off the api's cold start
    pass


class NewRun(Schema):
    model_config = ConfigDict(extra="forbid")

    goal: Annotated[str, some_text("a goal")] = Field(
        min_length=1, max_length=2000, json_schema_extra={"pattern": r"\S"}
    )
    page_id: str | None = Field(None, pattern=NOTION_ID, description="A Notion page id")
    request_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Makes retries idempotent"
    )


def run_id_of(call: Call) -> str:
    """The path's run id; one no run can have is not found (nor sent to Firestore, which refuses it)."""
    run_id = call.args["run_id"]
    if not is_run_id(run_id):
        raise NotFound("no run has this id")
    return run_id


def starter_reach(call: Call, page_id: str | None) -> tuple[bool, bool]:
    """Whether the caller's run reads with the owner's reach (``Tenant.owner_reach``: the owner, or a
    role that approves reads beyond a run's reach; a key acts with its maker's role). Anyone else's is a
    member's; then also whether ``page_id`` lies beyond their reach (decision 0147): their run waits,
    the page unread, for the approval of someone with that reach. The workspace must be
    usable first (409), as for any run."""
    from shared.engine.planning.context import starter_reaches

    runs.check_usable(call.tenant_id, call.tenants)
    tenant = call.tenants.get(call.tenant_id)
    if tenant is None:  # check_usable found it: gone since, as if never connected
        raise NotFound("this workspace is not connected")
    if tenant.owner_reach(call.role):
        return True, False
    if page_id:
        notion = call.container.engine(with_model=False).need_notion(call.tenant_id)
        return False, not starter_reaches(notion, tenant, page_id)
    return False, False


def start(call: Call) -> Reply:
    return started(call, parse_json(call.request, NewRun)), 202


def started(call: Call, body: NewRun, agent_id: str | None = None) -> dict[str, Any]:
    """The run ``body`` asks for queued (of ``agent_id``, else of none), held to the caller's reach:
    its id, and what it waits for when its page lies beyond that reach (``POST /runs``, the MCP tool)."""
    c = call.container
    by_owner, beyond = starter_reach(call, body.page_id)
    return runs.request_run(
        call.tenant_id,
        body.goal,
        body.page_id,
        body.request_id,
        tenants=call.tenants,
        requests=c.workspace.webhook_events,
        queue=c.platform.queue,
        by_owner=by_owner,
        person=call.person,
        agent_id=agent_id,
    ) | waits(beyond, body.page_id)


def waits(beyond: bool, page_id: str | None) -> dict[str, str]:
    """What a run started on a page beyond its starter's reach waits for, in words (decision 0147)."""
    if not beyond:
        return {}
    from shared.engine.planning.context import beyond_starter

    return {
        "waits": f"{beyond_starter(page_id or '').split(': a row')[0]}: the run waits, the page unread, "
        "for the approval of someone who may read it (the owner, or whoever approves reads beyond a "
        "run's reach); if they reject it, the run ends"
    }


type TriggerKind = Literal["webhook", "api", "schedule", "manual"]


class RunsQuery(Schema):
    """``GET /runs``' filters and page; each at most once, no other."""

    model_config = ConfigDict(extra="forbid")

    status: RunStatus | None = Field(None, description="Only runs in this status")
    trigger: TriggerKind | None = Field(
        None,
        description="Only runs started so: webhook (a change in Notion), api, schedule (the daily "
        "plan) or manual (run again); runs started before runs recorded it match none",
    )
    agent: str | None = Field(
        None,
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description="Only runs of this agent (its agent_id); runs from before agents match none",
    )
    q: str | None = Field(
        None,
        max_length=200,
        description="Words the run's goal or agent name holds (whole words, any case; at most 5); runs "
        "stored before search match none",
    )
    since: Instant | None = Field(None, description="Only runs created at or after this time")
    until: Instant | None = Field(None, description="Only runs created before this time")
    limit: int = Field(25, ge=1, le=100, description="How many, newest first")
    cursor: str | None = Field(
        None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$", description="The next_cursor of an earlier answer"
    )

    @field_validator("q")
    @classmethod
    def _some_words(cls, q: str | None) -> str | None:
        if q is None:
            return None
        found = words(q)
        if not found:
            raise ValueError("a search needs a word of two or more letters or digits")
        if len(found) > MAX_QUERY_WORDS:
            raise ValueError(f"a search takes at most {MAX_QUERY_WORDS} words")
        return q

    @field_validator("until")
    @classmethod
    def _range_in_order(cls, until: datetime | None, info: ValidationInfo) -> datetime | None:
        since = info.data.get("since")
        if since is not None and until is not None and until <= since:
            raise ValueError("until must be later than since")
        return until


class Again(Schema):
    model_config = ConfigDict(extra="forbid")

    request_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Makes retries idempotent"
    )


def list_all(call: Call) -> Reply:
    args = call.request.args
    repeated = sorted(name for name, values in args.lists() if len(values) > 1)
    if repeated:
        raise InvalidInput(f"{repeated[0]}: give it once", repeated)
    query = RunsQuery.model_validate(args.to_dict())
    c = call.container
    status = query.status.value if query.status else None
    page = runs.list_runs(
        call.tenant_id,
        c.runs.store,
        call.tenants,
        limit=query.limit,
        status=status,
        trigger=query.trigger,
        agent=query.agent,
        words=tuple(words(query.q)) if query.q else (),
        since=query.since,
        until=query.until,
        cursor=query.cursor,
        viewer=runs.Viewer.of(call.tenants, call.tenant_id, call.role),
    )
    return page, 200


class SkippedQuery(Schema):
    """``GET /skipped-edits``' page size; no other parameter."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=100, description="How many, newest first")


def skipped(call: Call) -> Reply:
    """The edits the trigger rules skipped in the last week, each with the rule's reason."""
    query = SkippedQuery.model_validate(call.request.args.to_dict())
    now = datetime.now(UTC)
    notion = call.container.notion.tenant_notion(call.tenant_id)

    def title_of(page_id: str) -> str:
        """The page's title now, or "" when Notion does not give it (trashed, unshared, down)."""
        try:
            return nt.title_of(notion.retrieve_page(page_id))
        except AgentError:
            return ""

    return runs.skipped_edits(
        call.tenant_id,
        call.container.workspace.webhook_events,
        call.tenants,
        now,
        query.limit,
        title_of=title_of,
    ), 200


# What If-None-Match may hold (the contract says so): ETags as answers give them, printable ASCII.
ETAGS, ETAGS_MAX = r"^[!-~ ]*$", 200


def get_run(call: Call) -> Reply:
    """The run's timeline with a weak ETag; 304 (the events unread) when If-None-Match names it. A
    malformed If-None-Match is a 400: no answer gave it, so it cannot be one the asker holds."""
    c = call.container
    asked = call.request.headers.get("If-None-Match", "")
    if len(asked) > ETAGS_MAX or not re.fullmatch(ETAGS, asked):
        raise InvalidInput(
            f"If-None-Match must be ETags an earlier answer gave: printable ASCII, at most {ETAGS_MAX} "
            "characters",
            ["If-None-Match"],
        )
    viewer = runs.Viewer.of(call.tenants, call.tenant_id, call.role)  # no tenant: owned_run answers 404
    body, etag = runs.timeline(
        call.tenant_id,
        run_id_of(call),
        c.runs.store,
        call.tenants,
        asked,
        viewer=viewer,
        web=c.settings.notion_web_base_url,
    )
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if body is None:
        return Response(status=304, headers=headers)
    return reply(body, 200, headers)


def related(call: Call) -> Reply:
    """The run's lineage both ways, read afresh (no ETag: its children move while it stands still)."""
    c = call.container
    viewer = runs.Viewer.of(call.tenants, call.tenant_id, call.role)
    return runs.related(call.tenant_id, run_id_of(call), c.runs.store, call.tenants, viewer), 200


def again(call: Call) -> Reply:
    """A new run with this run's goal and page, started by hand (202, as ``POST /runs``)."""
    body = parse_json(call.request, Again) if call.request.get_data() else Again()
    c = call.container
    run_id = run_id_of(call)
    repeated = runs.owned_run(call.tenant_id, run_id, c.runs.store, call.tenants)
    viewer = runs.Viewer.of(call.tenants, call.tenant_id, call.role)
    if viewer is not None and viewer.hides(repeated):  # its goal and page are not theirs to read
        raise Forbidden(
            f"run {run_id} read with the owner's reach, beyond yours: its goal and page are hidden from "
            "you, so you may not run it again; ask the owner, or whoever approves reads beyond a run's "
            "reach (decision 0147)"
        )
    # A member's run repeated reads within the reach it had, unless its page was let in by an approval
    # (decision 0147); another's is held to its new starter's.
    kept = repeated.state.member and not runs.page_let_in(repeated)
    by_owner, beyond = starter_reach(call, None if kept else repeated.state.page_id)
    started = runs.run_again(
        call.tenant_id,
        run_id,
        body.request_id,
        store=c.runs.store,
        tenants=call.tenants,
        queue=c.platform.queue,
        by_owner=by_owner,
        person=call.person,
        beyond=beyond,
    )
    return started | waits(beyond, repeated.state.page_id), 202
