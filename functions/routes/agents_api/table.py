"""The agents' rows of the api's route table (:data:`functions.routes.table.ROUTES`): making, reading,
changing, pausing and deleting an agent (or making one from the gallery), its runs and its record. Also the tools it may be given, trying it on a
page, accepting its instructions' edits, rating a run and deciding an edit proposed from ratings."""

from functions.routes import Doc, Route
from functions.routes.agents_api import (
    agents,
    daily_plan,
    dry_run,
    feedback,
    meeting_preview,
    records,
    routines,
    templates,
)
from functions.routes.rows import route

_AGENT = "models.agents.AgentView"
_AGENTS = "models.agents.AgentList"

AGENTS_ROUTES: list[Route] = [
    route(
        "GET /agents",
        agents.list_agents,
        Doc("The workspace's agents (the default one made on first read)", "agents", {200: _AGENTS}),
        role="viewer",
    ),
    route(
        "POST /agents",
        agents.create,
        Doc("Make an agent", "agents", {201: _AGENT}, body="agents_api.agents.NewAgent", refusals=(409,)),
        session_only=True,
        role="admin",
    ),
    route(
        "GET /agent-templates",
        templates.list_templates,
        Doc(
            "The gallery: agents to start from, each with what it does",
            "agents",
            {200: "models.agents.TemplateList"},
        ),
        role="viewer",
    ),
    route(
        "POST /agent-templates/<template_id>/agents",
        templates.use,
        Doc(
            "Make an agent from a template in one step, paused until turned on (the same request_id makes one)",
            "agents",
            {201: _AGENT, 200: _AGENT},
            body="agents_api.templates.TemplateUse",
            path="models.agents.TemplatePath",
            refusals=(404, 409, 502, 503),
        ),
        session_only=True,
        role="admin",
    ),
    route(
        "GET /agents/<agent_id>",
        agents.get_agent,
        Doc(
            "An agent and its instructions as its page holds them",
            "agents",
            {200: _AGENT},
            refusals=(502, 503),
        ),
        role="viewer",
    ),
    route(
        "PATCH /agents/<agent_id>",
        agents.edit,
        Doc(
            "Change an agent", "agents", {200: _AGENT}, body="agents_api.agents.AgentChange", refusals=(409,)
        ),
        session_only=True,
        role="admin",
    ),
    *(
        route(
            f"POST /agents/<agent_id>/{h.__name__}",
            h,
            Doc(summary, "agents", {200: _AGENT}),
            session_only=True,
            role="admin",
        )
        for h, summary in (
            (agents.pause, "Pause an agent: nothing starts it"),
            (agents.resume, "Resume an agent"),
        )
    ),
    route(
        "DELETE /agents/<agent_id>",
        agents.remove,
        Doc(
            "Delete an agent (not the default one)",
            "agents",
            {200: "models.agents.DeletedAgent"},
            refusals=(409,),
        ),
        session_only=True,
        role="admin",
    ),
    route(
        "POST /agents/<agent_id>/instructions/accept",
        agents.accept,
        Doc(
            "Accept the instructions page's version someone else edited",
            "agents",
            {200: "models.agents.Accepted"},
            body="agents_api.agents.Acceptance",
            refusals=(409, 502, 503),
        ),
        session_only=True,
        role="admin",
    ),
    route(
        "POST /runs/<run_id>/rating",
        feedback.rate,
        Doc(
            "Rate an ended run: good, or bad with a reason its agent's next runs are told",
            "agents",
            {200: "models.feedback.Rated"},
            body="agents_api.feedback.RatingBody",
            refusals=(409,),
        ),
        role="editor",
    ),
    route(
        "POST /agents/<agent_id>/proposals/<proposal_id>",
        feedback.decide,
        Doc(
            "Accept or dismiss an instructions edit proposed from repeated reasons",
            "agents",
            {200: "models.feedback.ProposalDecided"},
            body="agents_api.feedback.Decision",
            refusals=(409, 502, 503),
        ),
        session_only=True,
        role="owner",
    ),
    route(
        "GET /agents/<agent_id>/routines",
        routines.routines,
        Doc(
            "An agent's routines, each with when it next starts a run",
            "agents",
            {200: "models.agents.Routines"},
        ),
        role="viewer",
    ),
    route(
        "POST /agents/<agent_id>/run-now",
        routines.run_now,
        Doc(
            "Start one of an agent's routines now (the same request_id starts one run)",
            "agents",
            {202: "models.runs.RunStarted"},
            body="agents_api.routines.RunNow",
            refusals=(409,),
        ),
        scope="runs:start",
        role="editor",
    ),
    route(
        "GET /daily-plan",
        daily_plan.daily_plan,
        Doc(
            "What a day's plan says: its sections, the runs waiting for a decision, its page",
            "agents",
            {200: "models.agents.DailyPlan"},
            query="agents_api.daily_plan.DailyPlanQuery",
            refusals=(404,),
        ),
        role="viewer",
    ),
    route(
        "GET /tools",
        agents.list_tools,
        Doc(
            "The tools an agent may be given, each with what it does",
            "agents",
            {200: "models.agents.ToolList"},
        ),
        role="viewer",
    ),
    route(
        "POST /agents/<agent_id>/dry-run",
        dry_run.try_on_page,
        Doc(
            "Try an agent on a page: the plan it would make and the approvals it would need, no effect",
            "agents",
            {200: "models.agents.DryRun"},
            body="agents_api.dry_run.DryRunBody",
            refusals=(400, 404, 409, 502, 503),
        ),
        session_only=True,
        role="editor",
    ),
    route(
        "POST /agents/<agent_id>/meeting-preview",
        meeting_preview.preview,
        Doc(
            "Try meeting rules on the connected calendars: the upcoming meetings they would start a run for, and when",
            "agents",
            {200: "models.agents.MeetingPreview"},
            body="agents_api.meeting_preview.MeetingPreviewBody",
            refusals=(400, 404),
        ),
        session_only=True,
        role="admin",
    ),
    route(
        "GET /agents/<agent_id>/record",
        records.agent_record,
        Doc(
            "An agent's record: its runs, durations, waits, approvals, ratings and cost over 7 and 30 days",
            "agents",
            {200: "models.agents.AgentRecordView"},
        ),
        role="viewer",  # as the workspace's spend (GET /usage)
    ),
    route(
        "GET /agents/<agent_id>/runs",
        agents.agent_runs,
        Doc(
            "An agent's runs, newest first",
            "agents",
            {200: "models.runs.RunList"},
            query="agents_api.agents.AgentRunsQuery",
        ),
        role="viewer",
    ),
]
