"""The offline model's debates and panels. An agent told to "hold a debate" or
"hold a panel" plans one, settles it and writes the verdict on its page. A child of one (its goal
names its role) answers at once, saying whose fenced answers it was shown."""

import json
import re
from typing import Any

from shared.platform.domain.offline_ideas import plan_step as _step

_DEBATE = re.compile(r"\bhold a debate\b", re.IGNORECASE)
_PANEL = re.compile(r"\bhold (?:a |an )?(?:expert )?panel\b", re.IGNORECASE)
_ROUNDS = re.compile(r"\bover (\d) rounds\b", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween (?:the )?agents? ([a-z0-9-]+) and ([a-z0-9-]+)\b", re.IGNORECASE)
_BY = re.compile(r"\b(?:judged|merged|settled) by (?:the )?\"?([a-z0-9][a-z0-9-]{0,39})\b", re.IGNORECASE)
_TOPIC = re.compile(r"\bon \"([^\"\n]{1,200})\"", re.IGNORECASE)
_ROLE = re.compile(
    r"You are (?:participant \d+ of a debate|specialist \d+ of a panel|the judge of a debate|the lead of a panel)"
    r"|Round \d+ of a debate"
)
_QUOTED = re.compile(r'<untrusted from="([^"]+)">')


def child_plan(goal: str) -> dict[str, Any] | None:
    """A debate's or panel's child: finish with its answer (its role, whom it read); None otherwise."""
    role = _ROLE.search(goal)
    if role is None:
        return None
    seen = list(dict.fromkeys(_QUOTED.findall(goal)))
    judging = "judge" in role[0] or "lead" in role[0]
    head = "Verdict" if "judge" in role[0] else "Merged result" if "lead" in role[0] else "Answer"
    said = f"{head} after reading {len(seen)}: {', '.join(seen)}" if seen else f"{head}: a first view"
    summary = said if judging or seen else f"{said} on {goal.splitlines()[-1][:200]}"
    return {
        "goal": goal,
        "risk": "low",
        "on_reject": "end",
        "steps": [_step("finish", "answered", summary=summary[:2000])],
    }


def pattern_plan(page: dict[str, Any], goal: str) -> dict[str, Any] | None:
    """A debate or a panel, settled, its verdict written on the page; None for any other goal. A
    debate: "hold a debate between agents a and b" (else the two model families), "over N rounds",
    "judged by <agent>". A panel: "hold a panel", topics "on \"…\"", "merged by <agent>"."""
    pid = str(page.get("id") or "")
    by = _BY.search(goal)
    about = f"{page.get('title') or 'this page'}"[:600]
    if pid and _DEBATE.search(goal):
        pair = _BETWEEN.search(goal)
        members = (
            [{"agent_id": pair[1].lower()}, {"agent_id": pair[2].lower()}]
            if pair
            else [{"family": "gemini"}, {"family": "claude"}]
        )
        rounds = _ROUNDS.search(goal)
        start = _step(
            "debate",
            "several answers, then a judge",
            input=about,
            participants=members,
            rounds=int(rounds[1]) if rounds else 2,
            judge=by[1].lower() if by else None,
        )
    elif pid and _PANEL.search(goal) and (topics := _TOPIC.findall(goal)):
        start = _step(
            "panel",
            "a section each, then merged",
            input=about,
            specialists=[{"topic": t} for t in topics[:4]],
            lead=by[1].lower() if by else None,
        )
    else:
        return None
    verdict = "Settled by ${steps.2.settled_by}: ${steps.2.verdict}"
    settle = _step("settle", "wait for the verdict", pattern_step=1)
    write = _step("append_blocks", "write the verdict", page_id=pid, text=verdict)
    steps = [start, settle, write, _step("finish", "done", summary="Settled: ${steps.2.verdict}")]
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}


_WORD = r"[A-Za-z0-9_.-]"
_QUOTED_TEXT = re.compile(r"\"([^\"\n]{1,500})\"")


def _named(goal: str, name: str) -> bool:
    """Whether ``goal`` names ``name`` as a whole word (its underscores and dashes may be spaces)."""
    spelled = r"[\s_-]+".join(re.escape(part) for part in re.split(r"[_-]+", name) if part)
    return bool(spelled) and re.search(rf"(?<!{_WORD}){spelled}(?!{_WORD})", goal, re.IGNORECASE) is not None


def _value(said: str, kind: object) -> Any:
    """``said`` as the JSON Schema type ``kind`` asks (integer, number, boolean; else the text)."""
    try:
        if kind == "integer":
            return int(said)
        if kind == "number":
            return float(said)
    except ValueError:
        return said
    if kind == "boolean" and said.lower() in ("true", "false", "yes", "no"):
        return said.lower() in ("true", "yes")
    return said


def _arguments(goal: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The arguments ``goal`` gives a tool of ``schema``: ``name=value``, ``name: "value"`` or ``name
    "value"`` for each property (its name as the schema spells it).
    A tool of one required text property takes the goal's first quoted words when it names none."""
    given = schema.get("properties")
    props: dict[str, Any] = given if isinstance(given, dict) else {}
    found: dict[str, Any] = {}
    for name, prop in props.items():
        kind = prop.get("type") if isinstance(prop, dict) else None
        at = rf"(?<!{_WORD}){re.escape(name)}(?!{_WORD})"
        said = re.search(rf"{at}\s*[=:]?\s*\"([^\"\n]{{0,500}})\"|{at}\s*[=:]\s*([^\s,;\"]+)", goal)
        if said is not None:
            found[name] = _value(said[1] if said[1] is not None else said[2].rstrip("."), kind)
    required = [r for r in schema.get("required") or [] if r in props]
    quoted = _QUOTED_TEXT.search(goal)
    if len(required) == 1 and required[0] not in found and quoted:
        only = props[required[0]]
        found[required[0]] = _value(quoted[1], only.get("type") if isinstance(only, dict) else None)
    return found


def mcp_plan(ctx: dict[str, Any], goal: str) -> dict[str, Any] | None:
    """A goal naming a tool the context's ``mcp_tools`` offers ("look up "Lyon" with the lookup_city
    tool", "add a=2 b=40 with the sandbox's add tool"): call it (``call_mcp``) with the arguments the
    goal gives, then finish with its answer. Only the tool's name and schema are read, never the
    server's description; the owner's policy decides whether the call waits. None otherwise."""
    if not re.search(r"\btool\b", goal, re.IGNORECASE):
        return None
    offered = [t for t in ctx.get("mcp_tools") or [] if isinstance(t, dict) and t.get("tool")]
    named = [t for t in offered if _named(goal, str(t["tool"]))]
    if not named:
        return None
    chosen = next((t for t in named if _named(goal, str(t.get("server") or ""))), named[0])
    server, tool = str(chosen.get("server") or ""), str(chosen["tool"])
    listed = chosen.get("input_schema")
    schema: dict[str, Any] = listed if isinstance(listed, dict) else {}
    arguments = _arguments(goal, schema)
    what = {"server": server, "tool": tool, "arguments": arguments}  # "tool" is also plan_step's own
    call = {**_step("call_mcp", f"the goal names {server}/{tool}"), "args_json": json.dumps(what)}
    said = f"{server}/{tool} answered: ${{steps.1.result}}"
    steps = [call]
    if pid := str((ctx.get("page") or {}).get("id") or ""):
        steps.append(_step("append_blocks", "write the answer on the page", page_id=pid, text=said))
    steps.append(_step("finish", "done", summary=said))
    return {"goal": goal, "risk": "medium", "on_reject": "end", "steps": steps}
