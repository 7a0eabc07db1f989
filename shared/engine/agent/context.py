"""Prompts built by our own code from the run's state (factor 3), bounded however long the run is:
a window of the plan, the rolling summary, the last events verbatim, the errors to fix.

Every prompt ends with one fenced JSON block: the machine-readable context of the call (what the
offline model reads, and what a real model gets as data). Workspace content only ever appears there
or in the event lines, both marked as data by the system prompt; secrets never enter a prompt.
"""

import json
from typing import Any

from shared.engine.agent.plans import catalogue
from shared.platform import prompts
from shared.runs.domain import digest
from shared.runs.domain.runs import RunState

PLAN_WINDOW = (3, 5)  # steps shown before and after the cursor
CONTEXT_CHARS = 6000


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=1, default=str)
    return text if len(text) <= CONTEXT_CHARS else json.dumps({"truncated": text[:CONTEXT_CHARS]})


def _errors(messages: list[str]) -> str:
    if not messages:
        return ""
    lines = "\n".join(f"- {m}" for m in messages[-3:])
    return f"\n## Errors to fix (from your previous answer)\n{lines}\n"


def plan_prompt(goal: str, context: dict[str, Any], errors: list[str], max_steps: int) -> str:
    return prompts.render(
        "plan",
        goal=goal or "(none given: infer it from the trigger and the page)",
        tools=catalogue(),
        context=_json(context),
        errors=_errors(errors),
        max_steps=max_steps - 1,
    )


def _plan_window(state: RunState) -> str:
    before, after = PLAN_WINDOW
    first, last = max(1, state.cursor - before), min(len(state.steps), state.cursor + after)
    lines = []
    for n in range(first, last + 1):
        step = state.steps[n - 1]
        mark = "done" if n < state.cursor else ("NOW" if n == state.cursor else "next")
        lines.append(f"{n}. [{mark}] {step.tool}: {step.rationale[:120]}")
    return "\n".join(lines) or "(no steps)"


def step_prompt(state: RunState, task: str, context: dict[str, Any]) -> str:
    errors = [state.last_error] if state.consecutive_errors and state.last_error else []
    return prompts.render(
        "step",
        goal=state.goal,
        total=len(state.steps),
        plan=_plan_window(state),
        summary=digest.render(state.digest),
        recent="\n".join(state.digest.recent) or "(none)",
        errors=_errors(errors),
        task=task,
        context=_json(context),
    )
