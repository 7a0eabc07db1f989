"""The api's routes of runs: listing, actions, approvals, usage; here, the Docs of the routes that
decide or control a run (alike but for their summaries), for the table."""

from functions.routes import Doc
from functions.routes.rows import MOVED_RUN
from functions.routes.runs_api import run_actions

# Deciding a run's request, and controlling a run: routes alike but for their summaries.
DECISIONS = {
    h: Doc(summary, "runs", MOVED_RUN, body="runs_api.run_actions.DecisionBody", refusals=(409,))
    for h, summary in (
        (run_actions.approve, "Approve the request the run waits for"),
        (run_actions.reject, "Reject the request the run waits for"),
        (run_actions.answer, "Answer the question the run asks"),
    )
}
CONTROLS = {
    h: Doc(summary, "runs", MOVED_RUN, body="runs_api.run_actions.Note", body_required=False, refusals=(409,))
    for h, summary in (
        (run_actions.cancel, "Cancel a run"),
        (run_actions.pause, "Pause a run"),
        (run_actions.resume, "Resume a paused run"),
    )
}
RETRY = Doc("Retry a failed run from its failed step", "runs", MOVED_RUN, refusals=(409,))
BULK = Doc(
    "Cancel or retry several runs",
    "runs",
    {200: "models.runs.BulkDone"},
    body="runs_api.run_actions.BulkBody",
)
