"""The console's view of a day's plan: what the daily plan page of that day says.
It is read from what the tenant store keeps when the page is written, with no Notion read per view:
its sections, the runs waiting for a decision, the link to the page in Daily plans."""

from datetime import UTC, date, datetime

from pydantic import ConfigDict, Field

from functions._http import Reply
from functions.routes import Call
from functions.routes.agents_api.routines import _zone
from shared.agents.domain.day_plan_view import sections
from shared.platform.domain.schema import Schema
from shared.platform.errors import InvalidInput, NotFound


class DailyPlanQuery(Schema):
    """``GET /daily-plan``: the day, in the workspace's time zone."""

    model_config = ConfigDict(extra="forbid")

    date: str | None = Field(
        None,
        description="The day as YYYY-MM-DD; left out: today in the workspace's time zone",
    )


def _day(raw: str | None, today: date) -> date:
    """The day asked for (none, or ``?date=`` left empty: today); a 400 in words for anything but a
    real YYYY-MM-DD."""
    if not raw:
        return today
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"date: {raw[:20]!r} is not a day; write it as YYYY-MM-DD", ["date"]) from None


def daily_plan(call: Call) -> Reply:
    """``GET /daily-plan?date=YYYY-MM-DD``: the day's plan as its page was written; 404 when no plan
    of that day is kept (none written, or older than a week)."""
    query = DailyPlanQuery.model_validate(call.request.args.to_dict())
    name, zone = _zone(call)
    today = datetime.now(UTC).astimezone(zone).date()
    day = _day(query.date, today)
    kept = call.tenants.kept_day_plan(call.tenant_id, f"{day:%Y%m%d}")
    if kept is None or not kept.text:
        raise NotFound(f"no daily plan of {day.isoformat()}: plans are written each morning and kept a week")
    return {
        "date": day.isoformat(),
        "today": today.isoformat(),
        "timezone": name,
        "url": kept.url or None,
        "sections": sections(kept.text, kept.waiting),
        "waiting": [{"run_id": r, "title": t} for r, t in kept.waiting],
    }, 200
