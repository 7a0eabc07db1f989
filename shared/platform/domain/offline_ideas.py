"""The offline model's plan for an idea page whose agent is told to write requirements (issue 68,
point 1): requirements written on the page, the owner's approval, the requirements read back as the
owner left them, and a pull request made from what was read. Pure; used by the offline model.
"""

import json
import re
from typing import Any

_REQUIREMENTS = re.compile(r"\brequirements\b", re.IGNORECASE)
_PULL = re.compile(r"pull request in ([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)", re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)]|\[[ x]\])\s+(.+)$")


def _step(tool: str, rationale: str, **args: Any) -> dict[str, str]:
    return {"tool": tool, "args_json": json.dumps(args, ensure_ascii=False), "rationale": rationale}


def idea_repository(goal: str, page: dict[str, Any]) -> str | None:
    """The repository an idea run's instructions name ("requirements" and "a pull request in
    owner/name"), for a run on a page; None for any other run. The instructions come first in a
    run's goal, so a page naming another repository is not the one taken (and code checks it too)."""
    pull = _PULL.search(goal)
    return pull[1] if page.get("id") and pull and _REQUIREMENTS.search(goal) else None


def idea_plan(page: dict[str, Any], goal: str, repository: str) -> dict[str, Any]:
    """Requirements from the page's title and lines, written on it; asked; read back; a change
    drafted and proposed from the requirements as read (their repository, goal and criteria)."""
    pid, title = str(page["id"]), str(page.get("title") or "Untitled")
    lines = [s.strip() for s in str(page.get("text") or "").splitlines() if s.strip()]
    items = [m[1].strip()[:500] for m in map(_ITEM.match, lines) if m][:10]
    prose = [s for s in lines if not _ITEM.match(s)]
    aim = f"{title}: {prose[0]}" if prose else title
    criteria = items or [f"The change does what '{title}' asks", "The repository's own checks pass"]
    steps = [
        _step(
            "write_requirements",
            "the owner sees and edits what will be built",
            page_id=pid,
            goal=aim[:2000],
            acceptance_criteria=criteria,
            out_of_scope=["Anything the idea page does not ask for"],
            repository=repository,
        ),
        _step(
            "request_approval",
            "the owner edits the requirements, then says go",
            summary=f"The requirements for '{title}' are on the page: edit them as you like, then "
            "approve to start the code run from them.",
        ),
        _step("read_requirements", "the requirements as the owner left them", page_id=pid),
        _step(
            "draft_text",
            "write the change",
            instructions="Write the change (one Markdown file) that meets these requirements:\n${steps.3.brief}",
        ),
        _step(
            "open_pull_request",
            "propose it for review",
            repository="${steps.3.repository}",
            title="${steps.3.title}",
            body="${steps.3.brief}",
            files=[{"path": "notes/${steps.3.slug}.md", "content": "${steps.4.text}"}],
        ),
        _step("finish", "done", summary=f"Opened ${{steps.5.url}} from the requirements on '{title}'"[:2000]),
    ]
    return {"goal": goal, "risk": "medium", "on_reject": "end", "steps": steps}
