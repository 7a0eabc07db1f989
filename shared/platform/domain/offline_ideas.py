"""The offline model's plan for an idea page whose agent is told to write requirements (decision
0112). First the requirements are written on the page, the owner approves, and they are read back
as the owner left them. Then a next phase is planned from what was read: a pull request. Pure.
"""

import json
import re
from typing import Any

_REQUIREMENTS = re.compile(r"\brequirements\b", re.IGNORECASE)
_PULL = re.compile(r"pull request in ([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)", re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)]|\[[ x]\])\s+(.+)$")


def plan_step(tool: str, rationale: str, **args: Any) -> dict[str, str]:
    """One step of an offline plan, as a model answers it (``PlanOut``)."""
    return {"tool": tool, "args_json": json.dumps(args, ensure_ascii=False), "rationale": rationale}


def read_then_plan(read: dict[str, str], why: str, reason: str, tools: list[str]) -> list[dict[str, str]]:
    """A phase that reads (``read``), then plans the next phase from what was read with ``tools``."""
    return [read, plan_step("plan_next", why, reason=reason, tools=tools)]


def idea_repository(goal: str, page: dict[str, Any]) -> str | None:
    """The repository an idea run's instructions name ("requirements" and "a pull request in
    owner/name"), for a run on a page; None for any other run. The instructions come first in a
    run's goal, so a page naming another repository is not the one taken (and code checks it too)."""
    pull = _PULL.search(goal)
    found = page.get("id") and pull and _REQUIREMENTS.search(goal)
    return pull[1].rstrip(".") if found and pull else None  # a sentence's full stop is not the name's


def idea_plan(
    page: dict[str, Any], goal: str, repository: str, later: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Requirements from the page's title and lines, written on it; the owner asked; read back; the
    next phase planned from them (:func:`requirements_phase`), with ``later`` tools too (a release's).
    No code tool in it: it asks once."""
    pid, title = str(page["id"]), str(page.get("title") or "Untitled")
    lines = [s.strip() for s in str(page.get("text") or "").splitlines() if s.strip()]
    items = [m[1].strip()[:500] for m in map(_ITEM.match, lines) if m][:10]
    prose = [s for s in lines if not _ITEM.match(s)]
    aim = f"{title}: {prose[0]}" if prose else title
    criteria = items or [f"The change does what '{title}' asks", "The repository's own checks pass"]
    steps = [
        plan_step(
            "write_requirements",
            "the owner sees and edits what will be built",
            page_id=pid,
            goal=aim[:2000],
            acceptance_criteria=criteria,
            out_of_scope=["Anything the idea page does not ask for"],
            repository=repository,
        ),
        plan_step(
            "request_approval",
            "the owner edits the requirements, then says go",
            summary=f"The requirements for '{title}' are on the page: edit them as you like, then "
            "approve to start the code run from them.",
        ),
        *read_then_plan(
            plan_step("read_requirements", "the requirements as the owner left them", page_id=pid),
            "the change is planned from the requirements as read",
            "plan the change from the requirements as the owner left them",
            ["draft_text", "open_pull_request", *later],
        ),
    ]
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}


def requirements_phase(ctx: dict[str, Any], goal: str) -> dict[str, Any] | None:
    """The phase after the requirements were read back (an output with their fields, in what the run
    read): the change drafted from them and proposed in their repository. None: no such output."""
    outputs = ((ctx.get("read") or {}).get("outputs") or {}).values()
    req = next(
        (o for o in outputs if isinstance(o, dict) and {"brief", "repository", "slug"} <= set(o)), None
    )
    if req is None:
        return None
    steps = [
        plan_step(
            "draft_text",
            "write the change",
            instructions=f"Write the change (one Markdown file) that meets these requirements:\n{req['brief']}"[
                :4000
            ],
        ),
        plan_step(
            "open_pull_request",
            "propose it for review",
            repository=req["repository"],
            title=str(req.get("title") or req["slug"])[:200],
            body=str(req["brief"])[:50_000],
            files=[{"path": f"notes/{req['slug']}.md", "content": "${steps.1.text}"}],
        ),
        plan_step("finish", "done", summary=f"Opened ${{steps.2.url}} for: {req.get('title')}"[:2000]),
    ]
    return {"goal": goal, "risk": "medium", "on_reject": "end", "steps": steps}


def brief_plan(home_page_id: str, trigger: dict[str, Any], goal: str) -> dict[str, Any]:
    """A meeting's "before" run (a calendar rule): its brief as a page under the agent's home, from
    when and who of the meeting in the trigger. The description stays out: whoever made the event wrote
    it."""
    item = trigger.get("tracker") or {}
    title = str(item.get("title") or "the meeting")[:150]
    known = [line for line in str(item.get("text") or "").splitlines()[:2] if line.strip()]
    content = "\n".join([f"Brief for {title}", *known, "Before it: read the pages it concerns."])
    steps = [
        plan_step(
            "create_page",
            "write the brief",
            parent_page_id=home_page_id,
            title=f"Brief: {title}",
            content=content,
        ),
        plan_step("finish", "done", summary=f"Wrote the brief for {title}: ${{steps.1.url}}"),
    ]
    return {"goal": goal, "risk": "low", "on_reject": "end", "steps": steps}
