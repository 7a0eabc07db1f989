"""Parallel maps (issue 55): ``map_rows`` starts one child run per row of a data source (or item of
a list a step produced), each bounded by every reach of its chain. ``fan_in`` waits durably (a
scheduled retry of its step, woken early by each child's end). It returns every child's outcome,
failed ones included. Why: docs/decisions/0071-a-hand-off-is-a-tool-its-child-bounded-by-the-chain.md.
"""

from itertools import islice
from typing import Annotated, Any

from pydantic import Field, model_validator

from shared.agent.tools.base import Args, Output, SideEffect, Tool, ToolContext, build
from shared.errors import ModelFixableError, TransientError
from shared.topology import Queue

MAX_CHILDREN = 200  # rows (or items) one map starts


class MapRowsArgs(Args):
    input: Annotated[str, Field(min_length=1, max_length=2000)]
    data_source_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    items: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=MAX_CHILDREN)] | None = (
        None
    )
    agent_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_CHILDREN)] = MAX_CHILDREN

    @model_validator(mode="after")
    def _one_source(self) -> "MapRowsArgs":
        if (self.data_source_id is None) == (self.items is None):
            raise ValueError("give exactly one of data_source_id or items")
        return self


def child_id(run_id: str, step: int, index: int) -> str:
    return f"{run_id[:90]}-m{step}-{index}"


def map_rows(ctx: ToolContext, args: MapRowsArgs) -> Output:
    """One child run per row (its page the child's trigger page) or item (its goal's input), named
    from this step, so a repeat starts each once. A child runs ``agent_id`` (default: this run's
    agent), within every reach of the chain; the depth bound holds as for a hand-off."""
    from shared.domain.tasks.plan import PlanTask, Trigger  # a map's: not every step's

    lineage = ctx.lineage
    if lineage is None:
        raise RuntimeError("map_rows runs with its run's lineage (ToolContext.lineage)")
    if len(lineage.chain) >= lineage.max_depth + 1:
        raise ModelFixableError(
            f"map_rows: the chain {' > '.join(lineage.chain)} is at its bound of hand-offs"
        )
    if args.data_source_id is not None:
        rows = islice(ctx.need_notion().query_data_source(args.data_source_id, None), args.limit)
        work: list[tuple[str | None, str]] = [(str(row.get("id")), args.input) for row in rows]
    else:
        work = [(ctx.page_id, f"{args.input}\n\nItem: {item}") for item in (args.items or [])[: args.limit]]
    agent = args.agent_id or lineage.chain[-1]
    children = []
    for index, (page, goal) in enumerate(work):
        child = child_id(ctx.run_id, ctx.step, index)
        fields = {
            "tenant_id": ctx.tenant_id,
            "run_id": child,
            "goal": goal,
            "trigger": Trigger(kind="api", page_id=page, by_owner=not lineage.member),
            "agent_id": agent,
            "parent_run_id": ctx.run_id,
            "chain": list(lineage.chain),
            "bounds": [b for b in lineage.bounds if b.get("read") or b.get("change")],
        }
        ctx.queue.enqueue(Queue.PLAN, build("map_rows", PlanTask, fields), f"plan:{ctx.tenant_id}:{child}")
        children.append(child)
    return {"children": children, "count": len(children)}


class FanInArgs(Args):
    map_step: Annotated[
        int, Field(ge=1, le=500, description="the step of the map_rows whose children it gathers")
    ]


def fan_in(ctx: ToolContext, args: FanInArgs) -> Output:
    """Every child's outcome (status, summary) once all have ended; until then a transient wait,
    retried by a scheduled task (the run's own log records it). A failed child is reported, not lost."""
    gather = ctx.children
    if gather is None:
        raise RuntimeError("fan_in runs with its run's children (ToolContext.children)")
    outcomes, wait_s = gather(args.map_step)
    running = [o["run_id"] for o in outcomes if not o["ended"]]
    if running:
        raise TransientError(f"fan_in: {len(running)} of {len(outcomes)} children still running", wait_s)
    failed = [o for o in outcomes if o["status"] != "completed"]
    results = [{k: o[k] for k in ("run_id", "status", "summary")} for o in outcomes]
    return {"results": results, "completed": len(outcomes) - len(failed), "failed": len(failed)}


TOOLS = [
    Tool(
        "map_rows",
        SideEffect.EXTERNAL,
        MapRowsArgs,
        "Start one child run per row of a data source (data_source_id) or per item of a list (items), "
        "each with input as its goal, within this run's reach; output: children (run ids), count.",
        map_rows,
        uses_notion=True,
        targets=("data_source_id",),
    ),
    Tool(
        "fan_in",
        SideEffect.READ,
        FanInArgs,
        "Wait for the children of the map_rows at map_step and gather them; output: results "
        "(run_id, status, summary each), completed, failed.",
        fan_in,
        uses_notion=False,
    ),
]


def outcome(run_id: str, run: Any) -> dict[str, Any]:
    """One child's outcome as ``fan_in`` reports it (``run``: its stored run, None if not made yet)."""
    if run is None:
        return {"run_id": run_id, "ended": False, "status": "planning", "summary": ""}
    state = run.state
    return {
        "run_id": run_id,
        "ended": state.status.terminal,
        "status": state.status.value,
        "summary": state.summary[:500],
    }
