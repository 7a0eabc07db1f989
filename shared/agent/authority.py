"""Which steps need their owner's approval at the moment they run, and the requests code writes.

A step is gated when its effect lands beyond the run's own pages (a code tool; a Notion write to a
page that is neither the trigger page nor one the run created). It is gated too when a member's run
reads beyond its trigger's reach. It runs only if the owner approved a request naming its digest
(``RunState.approved``); else the engine records a request written here, from the resolved
arguments, and the run waits. Whatever a model planned. Rules: docs/security.md.
"""

import json
from collections.abc import Callable
from typing import Any

from shared.agent.tools import REGISTRY, SideEffect, Tool
from shared.agent.tools.base import REFERENCE
from shared.domain.authority import WORKSPACE_READS, effect_digest, is_production
from shared.domain.events import PlannedStep
from shared.domain.runs import RunState
from shared.domain.settings import plain_notion_id
from shared.domain.tasks.plan import page_key
from shared.errors import ModelFixableError

_VALUE_CHARS = 80  # an argument as an approval lists it
# A page's title by its id, for approvals to show beside the id (None: unknown). Workspace text: quoted.
Titles = Callable[[Any], str | None]
# What a read approval names (read tools declare no targets: a repair may aim a read elsewhere).
_READ_TARGETS = {
    "read_page": ("page_id",),
    "query_data_source": ("data_source_id",),
    "search_pages": ("query",),
}
_TITLE_CHARS = 100  # a page's title as an approval shows it beside the page's id
_REASON_CHARS = 300  # the agent's own words, quoted
_PROMPT_CHARS = 2000  # HumanRequested.prompt


def _own(state: RunState, page: Any) -> bool:
    if not isinstance(page, str) or not page:
        return False
    own = {page_key(p) for p in (state.page_id, *state.created_pages) if p}
    return page_key(page) in own


def within_reach(state: RunState, tool: str, args: dict[str, Any]) -> bool:
    """Whether a member's run may make this read unasked: its trigger page or a page it created, or
    a data source the owner chose that the trigger belongs to (``RunState.sources``). Never a search:
    it lists titles of pages beyond the run's reach."""
    if tool == "search_pages":
        return False
    if tool == "read_page":
        return _own(state, args.get("page_id"))
    source = args.get("data_source_id")
    return isinstance(source, str) and plain_notion_id(source) in {plain_notion_id(s) for s in state.sources}


def gated(state: RunState, tool: Tool, args: dict[str, Any]) -> str | None:
    """The digest of the step's effect when it needs the owner's approval, else None."""
    if tool.effect == SideEffect.CODE:
        return effect_digest(tool.name, args, production=is_production(tool.name, args))
    if tool.effect == SideEffect.NOTION_WRITE:
        target = args.get("parent_page_id") if tool.name == "create_page" else args.get("page_id")
        if not _own(state, target):
            return effect_digest(tool.name, args)
    if tool.name in WORKSPACE_READS and state.member and not within_reach(state, tool.name, args):
        return effect_digest(tool.name, args)
    return None


def describe(tool: str, args: dict[str, Any], titles: Titles | None = None) -> str:
    """One effect as the owner reads it: the tool, its targets whole (a page with its title, quoted,
    when ``titles`` knows it), a pull request's files each with its size, then its other arguments,
    clipped."""
    targets = REGISTRY[tool].targets or _READ_TARGETS.get(tool, ())

    def shown(key: str, value: Any) -> str:
        if key == "files" and isinstance(value, list):
            return "[" + ", ".join(_file(f) for f in value) + "]"
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        text = " ".join(text.split())
        if key in targets:
            title = titles(value) if titles is not None and key.endswith("page_id") else None
            return f'{text} (titled "{_clip(" ".join(title.split()), _TITLE_CHARS)}")' if title else text
        return _clip(text, _VALUE_CHARS)

    ordered = [k for k in targets if k in args] + [k for k in args if k not in targets]
    return f"{tool}(" + ", ".join(f"{k}={shown(k, args[k])}" for k in ordered) + ")"


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _file(file: Any) -> str:
    """A pull request's file: its whole path and what it writes (lines, characters, executable)."""
    if not isinstance(file, dict):
        return json.dumps(file, ensure_ascii=False, default=str)[:_VALUE_CHARS]
    content = str(file.get("content", ""))
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    mode = ", executable" if file.get("executable") else ""
    path = " ".join(str(file.get("path", "")).split())
    return f"{path} ({lines} line{'' if lines == 1 else 's'}, {len(content)} characters{mode})"


def quoted(reason: str) -> str:
    """The model's words, marked as such: never the request's own text."""
    text = " ".join(reason.split())
    text = text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"
    return f'The agent\'s own words (not checked): "{text}"'


def effect_request(tool: str, args: dict[str, Any], rationale: str, titles: Titles | None = None) -> str:
    """The prompt of the request the engine records for one gated effect: the whole effect, then the
    model's words as far as they fit. An effect too large to show whole in one request is refused
    (ModelFixableError: the model splits it), never shown in part."""
    if tool in WORKSPACE_READS:
        head = (
            "Allow this run, started by a workspace member who is not you, to read beyond the page "
            f"it was started from? It will: {describe(tool, args, titles)}."
        )
    else:
        where = "to production" if is_production(tool, args) else "beyond the run's own pages"
        head = f"Allow this change {where}? It will: {describe(tool, args, titles)}."
    if len(head) > _PROMPT_CHARS:
        raise ModelFixableError(
            f"{tool}: the change is too large to show the owner in one approval ({len(head)} characters "
            f"of at most {_PROMPT_CHARS}); split it into smaller changes (fewer files, shorter paths)"
        )
    reason = quoted(rationale) if rationale else ""
    return f"{head} {reason}"[:_PROMPT_CHARS] if reason else head


def covered(state: RunState, step: int) -> list[tuple[int, PlannedStep, str]]:
    """What approving the plan's request_approval at ``step`` lets happen, each with its digest: the
    later steps, up to the next request to a person, whose effect can be gated and whose arguments
    hold no reference. A reference resolves when its step runs, and is asked for then."""
    out: list[tuple[int, PlannedStep, str]] = []
    for n, planned in enumerate(state.steps[step:], start=step + 1):
        tool = REGISTRY.get(planned.tool)
        if tool is None or tool.effect == SideEffect.HUMAN:
            break
        if REFERENCE.search(json.dumps(planned.args)):
            continue
        digest = gated(state, tool, planned.args)
        if digest is not None:
            out.append((n, planned, digest))
    return out


def approval_prompt(
    state: RunState, step: int, summary: str, titles: Titles | None = None
) -> tuple[str, tuple[str, ...]]:
    """A plan's request_approval as code writes it: the changes it lets happen, then the model's
    summary quoted. Also the digests approving it grants: only those of changes the text lists (what
    does not fit is asked for when its step runs)."""
    reason = quoted(summary)
    room = _PROMPT_CHARS - len(reason) - len("Approve these changes? . ")
    listed: list[str] = []
    granted: list[str] = []
    for n, planned, digest in covered(state, step):
        line = f"{n}. {describe(planned.tool, planned.args, titles)}"
        if len("; ".join([*listed, line])) > room:
            break
        listed.append(line)
        granted.append(digest)
    if listed:
        reads = any(planned.tool in WORKSPACE_READS for _, planned, _ in covered(state, step)[: len(listed)])
        what = "changes and reads beyond its trigger" if reads else "changes"
        head = f"Approve these {what}? {'; '.join(listed)}."
    else:
        head = "Let the run go on? Any change beyond its own pages will be asked for separately."
    return f"{head} {reason}", tuple(granted)
