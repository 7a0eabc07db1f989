"""A step being carried out (:class:`Step`): its run, planned step, phase and deps, the key of its effect,
the context its tool is given, and the next phase a ``plan_next`` asks for. What its model calls
cost is :mod:`shared.engine.services.model_recorder`'s; the outcomes it tells apart,
:mod:`shared.engine.services.step_outcomes`'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from shared.agents.domain.agents import DEFAULT_AGENT_ID
from shared.engine.agent import approvals
from shared.engine.services import pattern_room
from shared.engine.services.followups import restart
from shared.engine.services.model_recorder import Recorder
from shared.engine.services.run_log import RunLog
from shared.platform.errors import ModelFixableError
from shared.runs.domain.events import PlannedStep
from shared.runs.domain.run_limits import replan_bound
from shared.runs.domain.state import RunState
from shared.runs.services.deps import Deps, RunRef
from shared.tools import Tool, ToolContext, idempotency_key
from shared.tools.base import Children, Lineage, Patterns, Phase
from shared.workspace.domain.code_policy import CodePolicy


def step_key(tenant_id: str, run_id: str, state: RunState) -> str:
    """The current step's key: that of its intent, if it has one (written, perhaps, with an older form
    of the key: the effect carries that one), else a new one."""
    pending = state.pending
    if pending is not None and pending.step == state.cursor:
        return pending.key
    return idempotency_key(tenant_id, run_id, state.cursor)


class Step(NamedTuple):
    """The current step of the run whose log is ``log``, at ``state``, its model calls recorded by
    ``model``. Decided on the document alone (not ``whole``), a collision raises :class:`Collided`."""

    log: RunLog
    state: RunState
    model: Recorder
    whole: bool = True  # ``state`` folds in the log past the document; False: the document alone

    @property
    def deps(self) -> Deps:
        return self.log.deps

    @property
    def tenant_id(self) -> str:
        return self.log.tenant_id

    @property
    def run_id(self) -> str:
        return self.log.run_id

    def key(self) -> str:
        return step_key(self.tenant_id, self.run_id, self.state)

    def context(self, tool: Tool, args: dict[str, Any]) -> ToolContext:
        notion = self.deps.need_notion(self.tenant_id) if tool.uses_notion else None
        task_context = {"goal": self.state.goal, "page": self.state.last_page}

        def prompt(instructions: str) -> str:
            from shared.engine.agent import context as prompt_context  # a model's prompt: not every step's

            return prompt_context.step_prompt(
                self.state, instructions, task_context | {"instructions": instructions}
            )

        return ToolContext(
            tenant_id=self.tenant_id,
            run_id=self.run_id,
            step=self.state.cursor,
            key=self.key(),
            notion=notion,
            model=self.model,
            queue=self.deps.queue,
            prompt=prompt,
            page_id=self.state.page_id,
            page_url=self.state.page_url,
            code=self.deps.code,
            approved=approvals.gated(self.state, tool, args) in (None, *self.state.approved),
            started_at=self.state.started_at,
            phase=self.phase() if tool.name == "plan_next" else None,
            search=self._search() if tool.uses_search else None,
            lineage=self.lineage() if tool.name in ("hand_off", "map_rows") else None,
            children=self.children if tool.name == "fan_in" else None,
            map_window=self.deps.settings.fan_out_max_running if tool.name == "map_rows" else None,
            repositories=self.repositories() if tool.uses_repositories else None,
            trackers=self.deps.trackers() if tool.uses_trackers and self.deps.trackers else None,
            mcp=self._mcp() if tool.uses_mcp else None,
            charge=self.model.charge if tool.uses_mcp else None,
            patterns=self._patterns(tool.name) if tool.name in pattern_room.TOOLS else None,
            console=self.deps.settings.frontend_url,
            notion_web=self.deps.settings.notion_web_base_url,
        )

    def _mcp(self) -> Any:
        """The run's agent's MCP tools (``shared.mcp.services.calls.McpCalls``); None without them."""
        mcp = self.deps.mcp
        if mcp is None:
            return None
        return mcp(self.tenant_id, self.state.agent_id or "default")._replace(named=self.state.mcp_tools)

    def repositories(self) -> tuple[str, ...]:
        """The GitHub repositories the owner allowed, as stored now (none: no workspace settings)."""
        tenants = self.deps.tenants
        tenant = tenants.get(self.tenant_id, fresh=True) if tenants is not None else None
        return tuple(tenant.settings.github_repositories) if tenant is not None else ()

    def children(self, map_step: int) -> Children:
        """The children the map at ``map_step`` started, how many have ended (one count of their
        markers), and how long a fan-in waits before it looks again. The markers are read only
        when all have ended."""
        made = self.state.outputs.get(str(map_step), {}).get("children")
        if not isinstance(made, list):
            raise ModelFixableError(
                f"fan_in: step {map_step} is no map_rows of this run that started children"
            )
        store, tenant_id, run_id = self.deps.store, self.tenant_id, self.run_id
        ended = store.count_ended(tenant_id, run_id, map_step) if made else 0
        if ended < len(made):
            restart(
                RunRef(self.deps, tenant_id, run_id), map_step, self.state.outputs[str(map_step)], ended=ended
            )
        return Children(
            [str(c) for c in made],
            ended,
            lambda: store.ended_children(tenant_id, run_id, map_step),
            self.deps.settings.fan_in_wait_s,
        )

    def _patterns(self, tool: str) -> Patterns:
        lineage = self.lineage() if tool in ("debate", "panel") else None
        return pattern_room.room(RunRef(self.deps, self.tenant_id, self.run_id), self.state, lineage)

    def lineage(self) -> Lineage:
        s = self.state
        own = {"read": list(s.reach_read), "change": list(s.reach_change)}
        bounds = (own, *({k: list(v) for k, v in b.items()} for b in s.bounds))
        chain = (*s.chain, s.agent_id or DEFAULT_AGENT_ID)
        return Lineage(chain, bounds, s.member, self.deps.settings.handoff_max_depth)

    def phase(self) -> Phase:
        bound = replan_bound(self.deps.settings.run_max_replans, self.state.tools, self._fix_attempts())
        return Phase(
            self.state.phase, bound, lambda reason: [s.model_dump() for s in next_phase(self, reason)]
        )

    def _fix_attempts(self) -> int:
        """The most fixes any repository the owner allowed lets a run push (its policy's, or the
        default's): what a code run's bound of phases counts its fixes by."""
        tenants = self.deps.tenants
        tenant = tenants.get(self.tenant_id, fresh=True) if tenants is not None else None
        if tenant is None:
            return 0
        allowed = tenant.settings
        policies = [allowed.code_policies.get(r) or CodePolicy() for r in allowed.github_repositories]
        return max((p.fix_attempts for p in policies), default=0)

    def _search(self) -> Callable[[str, int], list[dict[str, Any]]]:
        from shared.memory.services.workspace_search import searcher
        from shared.tools.memory import reach_scopes

        return searcher(self.deps, self.tenant_id, reach_scopes(self.state))


def next_phase(step: Step, reason: str) -> list[PlannedStep]:
    """The next phase's steps. The model is asked with the goal and what the run read (its last page,
    the outputs it keeps, its recent events). Its answer is checked as a first plan is, within the
    run's allow-list and the steps it has left, and numbered after the current step."""
    from shared.engine.agent import context as prompt_context  # a plan's modules: not every step's
    from shared.engine.agent.plans import validate_phase
    from shared.platform.domain.model_replies import PlanOut

    state = step.state
    left = step.deps.settings.run_max_steps - len(state.steps)
    read = {"page": state.last_page, "outputs": state.outputs, "recent": list(state.digest.recent)}
    context = {"goal": state.goal, "phase": state.phase + 1, "why": reason, "read": read}
    repositories = step.repositories()
    context |= {"tools_allowed": list(state.tools), "repositories_allowed": list(repositories)}
    prompt = prompt_context.plan_prompt(state.goal, context, [], left + 1)
    reply = step.model.generate("fast", prompt, PlanOut, thinking="replan")
    return validate_phase(
        reply.value,
        left,
        state.cursor,
        state.tools,
        trigger_page_id=state.page_id,
        repositories=repositories if step.deps.tenants is not None else None,
    )
