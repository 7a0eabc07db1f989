"""``POST /agents/<agent_id>/meeting-preview``: a dry run of meeting rules. From the workspace's
connected calendars, the upcoming meetings the rules (as sent, or the agent's saved ones) would start
a run for, and when the calendar's tick would start each (``shared.calendar.services.triggers``).
Nothing is started or stored."""

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationError

from functions._http import Reply, parse_json
from functions.routes import Call
from functions.routes.agents_api.agents import _agent_id
from shared.agents.domain.calendar_rules import MAX_CALENDAR_RULES, CalendarRule
from shared.agents.services import agents
from shared.calendar.services.triggers import PREVIEW_DAYS_MAX, planned_runs
from shared.platform.domain.schema import JSON_INTEGER, Schema, problems
from shared.platform.errors import NotFound


class MeetingPreviewBody(Schema):
    """The rules to try (left out: the agent's saved ones) and how many days ahead to look."""

    model_config = ConfigDict(extra="forbid")

    rules: Annotated[list[CalendarRule], Field(max_length=MAX_CALENDAR_RULES)] | None = Field(
        None, description="Meeting rules to try, as PATCH /agents takes them; left out: the agent's own"
    )
    days: Annotated[int, Field(ge=1, le=PREVIEW_DAYS_MAX), JSON_INTEGER] = Field(
        7, description="How many days ahead to look (1-14)"
    )


def preview(call: Call) -> Reply:
    """The runs the rules would start; 400 in the builder's words for a bad rule, nothing stored."""
    try:
        body = parse_json(call.request, MeetingPreviewBody)
    except ValidationError as exc:
        # A rule's field named as the builder's PATCH names it: its refusal lands beside the same field.
        named = [(re.sub(r"^rules\b", "calendar_triggers", f), why) for f, why in problems(exc)]
        raise agents.refused_in_words(named) from None
    agent = agents.agent_of(call.tenant_id, _agent_id(call), call.container.agents.agents)
    tenant = call.tenants.get(call.tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    rules = agent.calendar_triggers if body.rules is None else tuple(body.rules)
    links = call.container.calendar.calendar_links
    now = datetime.now(UTC)
    starts, looked = planned_runs(links, tenant, rules, now, body.days)
    return {
        "agent_id": agent.agent_id,
        "calendars": len(links.of_tenant(call.tenant_id)),
        "meetings": looked,
        "days": body.days,
        "starts": [
            {
                "rule": s.rule + 1,
                "rule_words": s.words,
                "at": s.at.isoformat(),
                "title": s.meeting.summary,
                "meeting_start": s.meeting.start.isoformat(),
                "meeting_end": s.meeting.end.isoformat(),
                "calendar": s.meeting.person,
                "link": s.meeting.link or None,
            }
            for s in starts
        ],
        "paused": agent.paused,
    }, 200
