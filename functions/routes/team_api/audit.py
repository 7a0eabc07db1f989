"""The audit log: ``GET /audit`` (a page, newest first, filtered by ``actor``, ``action``, ``surface``,
``since``, ``until``; ``cursor`` from the previous page), ``GET /audit/export`` (every entry the filters
keep, as JSON lines) and ``PUT /audit/retention`` ``{"days"}`` (how long entries are kept)."""

from datetime import UTC, datetime
from typing import Annotated

from flask import Response
from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.platform.domain.schema import JSON_INTEGER, Instant, Schema
from shared.platform.errors import InvalidInput, NotFound
from shared.team.domain.audit import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, Surface
from shared.team.services import audit
from shared.workspace.domain.tenants import Tenant


class AuditQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    actor: str = Field("", max_length=100, description="Only this member's actions (their member id)")
    action: str = Field("", max_length=200, description="Only actions whose words hold this")
    surface: Surface | None = Field(None, description="Only actions from this surface")
    since: Instant | None = Field(None, description="Only actions at or after this time")
    until: Instant | None = Field(None, description="Only actions before this time")
    limit: int = Field(50, ge=1, le=audit.PAGE_MAX)
    cursor: Instant | None = Field(None, description="The previous page's next_cursor")

    def filters(self) -> audit.Filters:
        return audit.Filters(self.actor, self.action, self.surface or "", self.since, self.until)


class Retention(Schema):
    model_config = ConfigDict(extra="forbid")

    days: Annotated[
        int,
        Field(ge=MIN_RETENTION_DAYS, le=MAX_RETENTION_DAYS, description="Days an entry is kept"),
        JSON_INTEGER,
    ]  # true is no number of days (schemathesis found it taken as 1)


def _query(call: Call) -> AuditQuery:
    args = call.request.args
    repeated = sorted(name for name, values in args.lists() if len(values) > 1)
    if repeated:
        raise InvalidInput(f"{repeated[0]}: give it once", repeated)
    return AuditQuery.model_validate(args.to_dict())


def get_audit(call: Call) -> Reply:
    query = _query(call)
    return audit.page(
        call.container.team.audit, call.tenant_id, query.filters(), query.limit, query.cursor
    ), 200


def export_audit(call: Call) -> Reply:
    """Every entry the filters keep, newest first, one JSON object a line (streamed)."""
    query = _query(call)
    lines = audit.json_lines(call.container.team.audit, call.tenant_id, query.filters())
    name = f"audit-{datetime.now(UTC):%Y%m%d}.jsonl"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(lines, 200, headers, mimetype="application/x-ndjson")


def put_retention(call: Call) -> Reply:
    days = parse_json(call.request, Retention).days

    def keep(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("this workspace is not connected")
        return tenant.model_copy(update={"audit_retention_days": days, "updated_at": datetime.now(UTC)})

    call.container.workspace.tenants.update(call.tenant_id, keep)
    return {"days": days}, 200
