"""Parallel maps: ``map_rows`` starts one child run per row of a data source (or item of
a list a step produced), each bounded by every reach of its chain, a bounded number at once.
``fan_in`` waits durably (a scheduled retry of its step, woken by the last child's end). It returns
every child's outcome, failed ones included. Why: decisions 0071 and 0073.
"""

from itertools import islice
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from shared.platform.errors import ModelFixableError, TransientError
from shared.platform.topology import Queue
from shared.runs.domain.children import fanout as fo
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext, problems

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


def map_rows(ctx: ToolContext, args: MapRowsArgs) -> Output:
    """One child run per row (its page the child's trigger page) or item (its goal's input), named
    from this step, so a repeat starts each once. The first ``window`` start now, each later one as an
    earlier one ends (``followups``). A child runs ``agent_id`` (default: this run's agent), within
    every reach of the chain; the depth bound holds as for a hand-off."""
    lineage, window = ctx.lineage, ctx.map_window
    if lineage is None or window is None:
        raise RuntimeError("map_rows runs with its run's lineage and window (ToolContext)")
    if len(lineage.chain) >= lineage.max_depth + 1:
        raise ModelFixableError(
            f"map_rows: the chain {' > '.join(lineage.chain)} is at its bound of hand-offs"
        )
    spec: dict[str, Any] = {
        "input": args.input,
        "agent": args.agent_id or lineage.chain[-1],
        "chain": list(lineage.chain),
        "bounds": [b for b in lineage.bounds if b.get("read") or b.get("change")],
        "by_owner": not lineage.member,
    }
    if args.data_source_id is not None:
        rows = islice(ctx.need_notion().query_data_source(args.data_source_id, None), args.limit)
        spec["pages"] = [str(row.get("id")) for row in rows]
    else:
        spec |= {"items": (args.items or [])[: args.limit], "page": ctx.page_id}
    count = len(spec.get("pages") or spec.get("items") or [])
    if ctx.budget_left_usd is not None and count:  # the family within this run's budget (decision 0128)
        spec["share_usd"] = round(ctx.budget_left_usd / count, 9)
    try:  # every child's task checked now, before any starts: a later start cannot fail on it
        tasks = [fo.child_task(ctx.tenant_id, ctx.run_id, ctx.step, i, spec) for i in range(count)]
    except ValidationError as exc:
        raise ModelFixableError(f"bad arguments for map_rows: {problems(exc)}") from exc
    for task in tasks[:window]:
        ctx.queue.enqueue(Queue.PLAN, task, f"plan:{ctx.tenant_id}:{task.run_id}")
    children = [t.run_id for t in tasks]
    return {"children": children, "count": count, "window": window} | spec


class FanInArgs(Args):
    map_step: Annotated[
        int, Field(ge=1, le=500, description="the step of the map_rows whose children it gathers")
    ]


def fan_in(ctx: ToolContext, args: FanInArgs) -> Output:
    """Every child's outcome (status, summary) once all have ended, read once then; until then a
    transient wait, retried by a scheduled task (the run's own log records it). Each look counts the
    ended children (``domain.fanout``'s markers). A failed child is reported, not lost."""
    gather = ctx.children
    if gather is None:
        raise RuntimeError("fan_in runs with its run's children (ToolContext.children)")
    children = gather(args.map_step)
    if children.ended < len(children.made):
        running = len(children.made) - children.ended
        raise TransientError(
            f"fan_in: {running} of {len(children.made)} children still running", children.wait_s
        )
    found = {m.get("run_id"): m for m in children.read()}
    results = [outcome(run_id, found.get(run_id)) for run_id in children.made]
    failed = [r for r in results if r["status"] != "completed"]
    cost = fo.children_cost(found[r] for r in children.made if r in found)
    out = {"results": results, "completed": len(results) - len(failed), "failed": len(failed)}
    return out | {"children_cost_usd": cost}


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


def outcome(run_id: str, marker: dict[str, Any] | None) -> dict[str, Any]:
    """One child's outcome as ``fan_in`` reports it, from its end's marker (None: no marker read)."""
    if marker is None:
        return {"run_id": run_id, "status": "unknown", "summary": "its end's record was not found"}
    return {"run_id": run_id, "status": str(marker.get("status")), "summary": str(marker.get("summary"))}
