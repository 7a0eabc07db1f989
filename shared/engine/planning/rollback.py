"""The console's roll back: one run, planned by code, whose one effect promotes
back the production deployment before a code run's; the owner approves it as every code effect.
A repeated click or a retried request names the same run: nothing is asked or done twice."""

import hashlib
from typing import Any

from shared.engine.agent.plans import ValidPlan
from shared.engine.planning.model import planned_events
from shared.engine.services.followups import enqueue_followup
from shared.engine.services.run_log import RunLog, Seqs
from shared.platform.errors import Conflict
from shared.runs.domain.events import PlannedStep, Risk, RunEvent, RunStatus, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import fold
from shared.runs.services.deps import Deps, RunRef


def production_of(log: list[RunEvent]) -> tuple[str, str] | None:
    """The newest production deployment a run made: its project and id (None: it made none)."""
    made = [
        (str(e.args.get("project", "")), str(e.output.get("id", "")))
        for e in log
        if isinstance(e, ToolResult) and e.tool == "deploy_vercel" and e.output.get("target") == "production"
    ]
    return made[-1] if made and all(made[-1]) else None


def ask_rollback(
    deps: Deps, tenant_id: str, run_id: str, log: list[RunEvent], *, by_owner: bool, person: str = ""
) -> dict[str, Any]:
    """The run that rolls ``run_id``'s production deployment back: made once (its id follows from the
    deployment), its step queued by name (a repeat adds nothing). Conflict for a run that made no
    production deployment, or whose health check rolled it back already. ``person`` asked for it
    (``by_owner``: with the owner's reach), as its plan records; its one step asks for the production
    approval whoever asked."""
    found = production_of(log)
    if found is None:
        raise Conflict("this run made no production deployment: there is nothing to roll back")
    project, deployment_id = found
    back = [
        str(e.output["rolled_back_to"])
        for e in log
        if isinstance(e, ToolResult)
        and e.tool == "check_production"
        and e.output.get("deployment_id") == deployment_id
        and e.output.get("rolled_back_to")
    ]
    if back:  # never offered for a deployment already rolled back
        raise Conflict(
            f"production of {project} was rolled back from {deployment_id} to {back[-1]} already, when it "
            "failed its health check: there is nothing to roll back"
        )
    rollback_id = "rollback-" + hashlib.sha256(f"{run_id}:{deployment_id}".encode()).hexdigest()[:16]
    goal = f"Roll production of {project} back from {deployment_id} (asked from run {run_id})"
    steps = [
        PlannedStep(tool="roll_back_production", args={"project": project, "deployment_id": deployment_id}),
        PlannedStep(
            tool="finish", args={"summary": f"Production of {project} rolled back from {deployment_id}"}
        ),
    ]
    plan = ValidPlan(goal=goal, risk=Risk.HIGH, on_reject="end", steps=steps, tools=[s.tool for s in steps])
    trigger = Trigger(kind="manual", by_owner=by_owner, people=[person] if person else [])
    task = PlanTask(tenant_id=tenant_id, run_id=rollback_id, goal=goal, trigger=trigger)
    head = planned_events(task, Seqs(), deps.clock(), goal=goal, plan=plan)
    runlog = RunLog(deps, tenant_id, rollback_id)
    made = deps.store.get_run(tenant_id, rollback_id) is None and runlog.create([head])
    run = deps.store.get_run(tenant_id, rollback_id)
    state = run.state if run is not None else fold([head])
    if state.status == RunStatus.RUNNING and state.waiting is None and state.cursor == 1:
        enqueue_followup(RunRef(deps, tenant_id, rollback_id), state)  # by name: a repeat adds nothing
    return {"run_id": rollback_id, "deployment_id": deployment_id, "made": made}
