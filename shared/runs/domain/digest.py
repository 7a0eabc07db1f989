"""The bounded memory a run carries for its context: the last events verbatim, a rolling summary of
older ones, and the small derived facts the reducer needs (call signatures, referenced outputs).

Pure and deterministic, so it is part of ``fold``: the context of step 200 costs no more reads or
tokens than that of step 10 (RECENT lines, NOTES lines and a counter per tool, whatever the length).
"""

import hashlib
import json
import re
from typing import Any

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Record

RECENT = 8  # events kept verbatim (compact JSON lines)
NOTES = 4  # notable older lines kept in the rolling summary (errors, human decisions)
LINE_CHARS = 300
_REF = re.compile(r"\$\{steps\.(\d+)(?:\.[A-Za-z0-9_]+)*\}")


class Digest(Record):
    """What the model sees of a run's older events: the recent ones verbatim, the rest counted."""

    model_config = ConfigDict(extra="ignore")

    recent: tuple[str, ...] = ()
    older: int = 0
    tool_counts: dict[str, int] = Field(default_factory=dict)
    errors: int = 0
    notes: tuple[str, ...] = ()


def line(event: Any) -> str:
    """One event as a compact, truncated JSON line (what the model sees verbatim)."""
    data = event.model_dump(mode="json", exclude={"at", "lease_until"})
    if data.get("kind") == "run_planned":
        data = {"seq": data["seq"], "kind": "run_planned", "goal": data["goal"], "steps": len(data["steps"])}
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


def _notable(text: str) -> bool:
    return any(f'"kind":"{k}"' in text for k in ("error_recorded", "human_responded"))


def roll(d: Digest, event: Any) -> Digest:
    recent = (*d.recent, line(event))
    evicted, recent = recent[:-RECENT], recent[-RECENT:]
    notes = d.notes + tuple(t for t in evicted if _notable(t))
    changes: dict[str, Any] = {"recent": recent, "older": d.older + len(evicted), "notes": notes[-NOTES:]}
    kind = event.kind
    if kind == "tool_result":
        changes["tool_counts"] = d.tool_counts | {event.tool: d.tool_counts.get(event.tool, 0) + 1}
    elif kind == "error_recorded":
        changes["errors"] = d.errors + 1
    return d.model_copy(update=changes)


def render(d: Digest) -> str:
    """The rolling summary of what no longer fits verbatim."""
    if not d.older:
        return "(nothing older than the recent events)"
    counts = ", ".join(f"{tool} x{n}" for tool, n in sorted(d.tool_counts.items())) or "none"
    parts = [f"{d.older} older events. Tool results so far: {counts}. Errors so far: {d.errors}."]
    parts += [f"Earlier: {note}" for note in d.notes]
    return "\n".join(parts)


def signature(tool: str, args: dict[str, Any]) -> str:
    """Identifies a call by tool and arguments (loop detection)."""
    canonical = json.dumps(args, sort_keys=True, separators=(",", ":"), default=str)
    return tool + ":" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def referenced_steps(steps: Any) -> tuple[int, ...]:
    """Steps whose outputs later arguments refer to as ``${steps.N.field}``, or a ``fan_in`` gathers
    (its ``map_step``): kept in the state."""
    found = {int(m) for step in steps for m in _REF.findall(json.dumps(step.args, default=str))}
    found |= {
        s.args["map_step"] for s in steps if s.tool == "fan_in" and isinstance(s.args.get("map_step"), int)
    }
    return tuple(sorted(found))
