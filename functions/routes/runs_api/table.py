"""The runs' rows of the api's route table (:data:`functions.routes.table.ROUTES`): starting, listing
and reading runs, deciding and controlling them, a mailed decision link's routes, and the spend."""

from functions.routes import Route
from functions.routes.rows import Tag, mailed_link, route
from functions.routes.runs_api import (
    BULK,
    CONTROLS,
    DECISIONS,
    RETRY,
    approvals,
    code_view,
    github_hook,
    inbox,
    run_actions,
    runs,
    undo,
    usage,
)

_runs = Tag("runs")
_STARTED = {202: "models.runs.RunStarted"}

RUNS_ROUTES: list[Route] = [
    _runs(
        "POST /runs",
        runs.start,
        "Start a run",
        _STARTED,
        body="runs_api.runs.NewRun",
        refusals=(409, 502, 503),  # a member's page is read to hold it to their reach
        scope="runs:start",
        role="editor",
    ),
    _runs(
        "GET /runs",
        runs.list_all,
        "List runs, filtered and paged",
        {200: "models.runs.RunList"},
        query="runs_api.runs.RunsQuery",
        role="viewer",
    ),
    _runs(
        "GET /inbox",
        inbox.inbox,
        "The runs waiting for a decision the caller may make (the approvals inbox)",
        {200: "models.runs.Inbox"},
        role="viewer",
    ),
    _runs(
        "GET /skipped-edits",
        runs.skipped,
        "Edits the trigger rules skipped in the last week",
        {200: "models.runs.SkippedEdits"},
        query="runs_api.runs.SkippedQuery",
        role="viewer",
    ),
    _runs(
        "GET /runs/<run_id>",
        runs.get_run,
        "A run, its timeline and what it wrote (ETag: a 304 when unchanged)",
        {200: "models.runs.RunTimeline", 304: ""},
        headers="models.runs.RunHeaders",
        role="viewer",
    ),
    _runs(
        "GET /runs/<run_id>/code",
        code_view.get_code,
        "A code run's change file by file, its checks, deployments, merge and their approvals",
        {200: "shared.runs.domain.code_view.CodeView"},
        role="viewer",
    ),
    _runs(
        "POST /runs/<run_id>/rollback",
        code_view.rollback,
        "Roll a code run's production back: a run whose one effect the owner approves, made once",
        {202: "models.runs.RollbackAsked"},
        refusals=(409,),
        scope="runs:start",
        role="editor",
    ),
    _runs(
        "GET /runs/<run_id>/undo",
        undo.offer,
        "What an undo of the run would take back, and its state once asked; or why the caller may not",
        {200: "models.runs.UndoOffer"},
        query="runs_api.undo.UndoQuery",
        role="viewer",
    ),
    _runs(
        "POST /runs/<run_id>/undo",
        undo.start,
        "Undo a finished, failed or cancelled run, or chosen effects of it: a run of its own (its "
        "starter, an approver or the owner; within the undo window and the asker's reach)",
        {202: "models.runs.UndoAsked"},
        body="runs_api.undo.UndoBody",
        body_required=False,
        refusals=(403, 409),
        scope="runs:control",
        role="editor",
    ),
    _runs(
        "GET /runs/<run_id>/related",
        runs.related,
        "The runs that handed a run its work and the runs it started (children, hand-offs)",
        {200: "models.runs.RunRelated"},
        role="viewer",
    ),
    _runs(
        "POST /runs/<run_id>/again",
        runs.again,
        "Run again: a new run with the same goal and page",
        _STARTED,
        body="runs_api.runs.Again",
        body_required=False,
        refusals=(409, 502, 503),
        scope="runs:start",
        role="editor",
    ),
    *(
        route(f"POST /runs/<run_id>/{decide.__name__}", decide, doc, scope="runs:decide", role="editor")
        for decide, doc in DECISIONS.items()
    ),
    *(
        route(f"POST /runs/<run_id>/{control.__name__}", control, doc, scope="runs:control", role="editor")
        for control, doc in CONTROLS.items()
    ),
    route("POST /runs/<run_id>/retry", run_actions.retry, RETRY, scope="runs:control", role="editor"),
    route("POST /runs/bulk", run_actions.bulk, BULK, scope="runs:control", role="editor"),
    # A mailed link's token is in its fragment, POSTed by the page's script: never in a logged URL.
    *mailed_link(
        "/links",
        "decision",
        (approvals.page, approvals.preview, approvals.decide, approvals.legacy),
        "Apply a decision link",
        ("models.LinkPreview", "models.LinkDecided"),
        refusals=(401, 403, 404),
    ),
    Tag("usage")(
        "GET /usage",
        usage.get_usage,
        "Model spend against the budgets",
        {200: "models.usage.Usage"},
        role="viewer",
    ),
    # GitHub's deliveries: each signed with the workspace's own secret (decision 0123)
    Tag("runs", public=True)(
        "POST /github/webhook/<tenant_id>",
        github_hook.post_webhook,
        "GitHub's signed deliveries (X-Hub-Signature-256, X-GitHub-Delivery): a run's checks or review",
        {200: "models.runs.GitHubDelivery"},
        refusals=(401, 404, 409, 413),
    ),
    _runs(
        "GET /github/webhook",
        github_hook.get_webhook,
        "What to give GitHub for this workspace's webhook: its Payload URL, secret and events (the owner)",
        {200: "models.runs.GitHubWebhook"},
        session_only=True,
        role="owner",
    ),
]
