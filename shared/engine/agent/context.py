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
from shared.runs.domain.state import RunState

PLAN_WINDOW = (3, 5)  # steps shown before and after the cursor
CONTEXT_CHARS = 6000


SHORTEST_CUT = 120  # a string is never cut below this many characters; lists lose items instead
KEPT = frozenset({"goal", "trigger", "id", "title", "phase"})  # what the call is about: cut last


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def _largest(value: Any, spare_kept: bool, kept: bool = False) -> tuple[int, Any, Any] | None:
    """The largest part of ``value`` that can still be cut: (its size as JSON, its container, its key
    or index); a string of :data:`SHORTEST_CUT` characters or fewer cannot. With ``spare_kept``,
    parts under a key of :data:`KEPT` are left alone."""
    best: tuple[int, Any, Any] | None = None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        keep = kept or key in KEPT
        candidates = [_largest(child, spare_kept, keep)] if isinstance(child, dict | list) else []
        cuttable = (isinstance(child, str) and len(child) > SHORTEST_CUT + 1) or (
            isinstance(child, list) and child
        )
        if cuttable and not (keep and spare_kept):
            candidates.append((len(_dumps(child)), value, key))
        for candidate in filter(None, candidates):
            if best is None or candidate[0] > best[0]:
                best = candidate
    return best


def bounded(value: dict[str, Any], limit: int = CONTEXT_CHARS) -> str:
    """``value`` as indented JSON of at most ``limit`` characters where it can be, still valid JSON
    of the same shape. The largest part is cut first (a long string halved, ending "…"; a list's
    last item left out); the goal, the trigger, ids and titles only when nothing else is left to
    cut. So a page with a long text and a long history keeps what the call is about, instead of
    becoming one cut string that names no goal and no page."""
    value = json.loads(_dumps(value))
    text = _dumps(value)
    while len(text) > limit:
        found = _largest(value, spare_kept=True) or _largest(value, spare_kept=False)
        if found is None:
            break
        _, holder, key = found
        part = holder[key]
        if isinstance(part, str):
            holder[key] = part[: max(SHORTEST_CUT, len(part) // 2)] + "…"
        else:
            part.pop()
        text = _dumps(value)
    return text


def _json(value: Any) -> str:
    return bounded(value) if isinstance(value, dict) else _dumps(value)


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
