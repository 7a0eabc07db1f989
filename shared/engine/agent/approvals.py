"""Which steps need their owner's approval at the moment they run, and the requests code writes.

A step is gated when its effect lands beyond the run's own pages (a code tool; a Notion write to a
page neither the trigger page nor one the run created). So is one changing a block not the agent's
or a page the run did not create, and a member's read beyond its trigger's reach. It runs only once
the owner approved a request naming its digest (``RunState.approved``); else the engine records a
request written here, from the resolved arguments, and the run waits. Rules: docs/security.md.
"""

import difflib
import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any, NamedTuple

from shared.code.domain.patches import Edit, apply_edits
from shared.platform.errors import AgentError, ModelFixableError
from shared.runs.domain.approval_digests import TRACKER_WRITES, WORKSPACE_READS, effect_digest, is_production
from shared.runs.domain.events import REQUEST_CHARS, PlannedStep
from shared.runs.domain.plan_task import page_key
from shared.runs.domain.state import RunState
from shared.tools import REGISTRY, SideEffect, Tool
from shared.tools.base import REFERENCE
from shared.undo.domain.inverses import final_reason
from shared.workspace.domain.code_policy import sensitive_kind
from shared.workspace.domain.settings import plain_notion_id

# A page's title by its id, for approvals to show beside the id (None: unknown). Workspace text: quoted.
Titles = Callable[[Any], str | None]
# A repository's files as they are now on a base branch, for a pull request's diffs: (repository,
# base, paths) → each path's content (None: no such file). Raises when they cannot be read.
Current = Callable[[str, str, list[str]], dict[str, str | None]]
# What a read approval names (read tools declare no targets: a repair may aim a read elsewhere).
_READ_TARGETS = {
    "read_page": ("page_id",),
    "query_data_source": ("data_source_id",),
    "search_pages": ("query",),
}
# Edits of blocks already in the workspace: unasked only for a block the agent wrote on an own page.
BLOCK_EDITS = frozenset({"update_block", "delete_block", "move_block"})
# A page moved to or from the trash, or moved: unasked only for a page this run created.
PAGE_EDITS = frozenset({"archive_page", "restore_page", "move_page"})
_TITLE_CHARS = 100  # a page's title as an approval shows it beside the page's id
_BLOCK_CHARS = 300  # a block's text as an approval shows it beside the block's id
_REASON_CHARS = 300  # the agent's own words, quoted
PROMPT_CHARS = REQUEST_CHARS  # HumanRequested.prompt: an effect shown whole, as a notification holds it
# Shown bare: one token of these characters (an id, a repository, a branch, a number). Anything else
# is a literal: it cannot hold a space, a parenthesis, a comma, "=" or ";", so it imitates nothing.
_BARE = re.compile(r"[A-Za-z0-9_.:/@+-]{1,200}")
# Characters a literal writes as \u escapes: look-alikes of its quote mark. Control and format
# characters (line breaks, bidi overrides, zero-width), separators and unassigned ones are too.
_QUOTE_LIKE = frozenset(
    "\u00ab\u00bb\u02ba\u02dd\u030b\u030e\u05f4\u201c\u201d\u201e\u201f\u2033\u2036\u275d\u275e\u301d\u301e\u301f\uff02"
)
_ESCAPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def literal(value: Any) -> str:
    """Text code did not write (workspace content, the model's words, a value it chose) as one literal
    in a request. It uses JSON's quoting (a string in double quotes, a quote mark or backslash inside
    escaped; a list or object as JSON). Every line break, control or format character, separator and
    quote look-alike is written as a ``\\uXXXX`` escape. So it is one line that no text can end early:
    it cannot imitate the request's structure, its numbered changes or the marker where the
    code-written part ends. ``json.loads`` reads it back exactly. The one rule for every surface
    (docs/security.md)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return "".join(_escape(c) if c in _QUOTE_LIKE or unicodedata.category(c) in _ESCAPED else c for c in text)


def _escape(c: str) -> str:
    code = ord(c)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # above the BMP: a surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def value_text(value: Any) -> str:
    """An argument's value as a request shows it, whole: bare when it is one token of ``_BARE``, else
    a :func:`literal`."""
    return value if isinstance(value, str) and _BARE.fullmatch(value) else literal(value)


def _own(state: RunState, page: Any) -> bool:
    if not isinstance(page, str) or not page:
        return False
    own = {page_key(p) for p in (state.page_id, *state.created_pages) if p}
    return page_key(page) in own


class Block(NamedTuple):
    """What the rules need of a block an edit names, read from Notion when its step runs."""

    page_id: str  # the page it lies on (through the blocks that hold it)
    agent_wrote: bool  # the agent's own bot created and last edited it, and every block it holds


# A block by its id, as the step reads it (Notion's refusal, say a 404, raises).
Blocks = Callable[[str], Block]


def _made(state: RunState, page: Any) -> bool:
    """Whether ``page`` is one this run created (not its trigger page: a person's)."""
    return isinstance(page, str) and page_key(page) in {page_key(p) for p in state.created_pages}


def _edits_own(state: RunState, tool: str, args: dict[str, Any], blocks: Blocks | None) -> bool:
    """Whether an edit changes only what the run may change unasked. A page it created may be
    archived, restored or moved (onto an own page). A block is the run's to change only when the
    agent wrote it and it lies on an own page (and, moved, lands on one); without ``blocks`` (a
    plan's approval, before the step) a block edit counts as a person's."""
    page = args.get("page_id")
    if tool in PAGE_EDITS:
        return _made(state, page) and (tool != "move_page" or _own(state, args.get("to_page_id")))
    if blocks is None:
        return False
    # Read first, whatever the page: an approval names the page, so the block must lie on it.
    block = blocks(str(args.get("block_id")))
    if page_key(block.page_id) != page_key(str(page)):
        raise ModelFixableError(
            f"{tool}: block {args.get('block_id')} lies on page {block.page_id}, not on {page}; name its page"
        )
    lands = tool != "move_block" or _own(state, args.get("to_page_id"))
    return _own(state, page) and lands and block.agent_wrote


def within_reach(state: RunState, tool: str, args: dict[str, Any]) -> bool:
    """Whether a member's run may make this read unasked: its trigger page or a page it created, or
    a data source the owner chose that the trigger belongs to (``RunState.sources``). Never a title
    search: it lists titles of pages beyond the run's reach. A workspace search is searched within it."""
    if tool == "search_pages":
        return False
    if tool == "search_workspace":  # the engine narrows its index to the run's reach (memory.reach_scopes)
        return True
    if tool == "read_page":
        return _own(state, args.get("page_id"))
    source = args.get("data_source_id")
    return isinstance(source, str) and plain_notion_id(source) in {plain_notion_id(s) for s in state.sources}


# A page's parent (a data source's or a page's id) as Notion says, for a reach that lists the parent.
Parents = Callable[[str], str | None]


def parents_of(retrieve_page: Callable[[str], dict[str, Any]]) -> Parents:
    """A page's parent (its data source or page) for the reach rules, read once when asked through
    ``retrieve_page``; None when the page cannot be read (so only a reach naming the page holds)."""
    seen: dict[str, str | None] = {}

    def parent(page_id: str) -> str | None:
        if "${" in page_id:
            return None
        if page_id not in seen:
            try:
                up = retrieve_page(page_id).get("parent") or {}
                seen[page_id] = up.get("data_source_id") or up.get("page_id") or up.get("database_id")
            except AgentError:
                seen[page_id] = None
        return seen[page_id]

    return parent


# The arguments naming where a Notion change lands (a page, a data source, where a move goes).
_PLACES = ("page_id", "parent_page_id", "to_page_id", "data_source_id")


def outside_reach(
    state: RunState, tool: str, args: dict[str, Any], parents: Parents | None = None
) -> str | None:
    """Why this step lies beyond its agent's reach, or beyond that of a run that handed work to it
    (``RunState.bounds``); None: within every one. With a read reach, a run reads its trigger page,
    its own pages and what the reach lists (or a page whose parent it lists), never a search; with a
    change reach it changes only its own pages and those. Narrower than approval: an owner's approval
    never widens it."""
    if tool in TRACKER_WRITES:
        return _tracker_beyond(state, tool, args)
    reaches = [(state.reach_read, state.reach_change)]
    reaches += [(tuple(b.get("read", ())), tuple(b.get("change", ()))) for b in state.bounds]
    for read, change in reaches:
        if why := _beyond(state, tool, args, parents, read=read, change=change):
            return why
    return None


def _tracker_beyond(state: RunState, tool: str, args: dict[str, Any]) -> str | None:
    """Why a tracker write lies beyond its agent's reach (``RunState.reach_trackers``, and a hand-off's
    bounds that name trackers); None when every reach lists its ``tool:target`` or names none."""
    place = f"{args.get('tool')}:{args.get('target')}"
    reaches = [state.reach_trackers, *(tuple(b.get("trackers", ())) for b in state.bounds)]
    for reach in reaches:
        if reach and place not in reach:
            return (
                f"{tool}: {place} lies beyond the trackers this agent may write to (its reach: "
                f"{', '.join(reach)}); work within its reach"
            )
    return None


def _beyond(
    state: RunState,
    tool: str,
    args: dict[str, Any],
    parents: Parents | None,
    *,
    read: tuple[str, ...],
    change: tuple[str, ...],
) -> str | None:
    if tool in WORKSPACE_READS or tool in ("hand_off", "map_rows"):
        return _read_beyond(state, tool, args, parents, {*read, *change}) if read else None
    if not change or REGISTRY[tool].effect != SideEffect.NOTION_WRITE:
        return None
    for key in _PLACES:
        place = args.get(key)
        if place is None or (key != "data_source_id" and _made(state, place)):
            continue
        if why := _unreached(tool, place, set(change), parents, "change"):
            return why
    return None


def _read_beyond(
    state: RunState, tool: str, args: dict[str, Any], parents: Parents | None, readable: set[str]
) -> str | None:
    """A read, or a hand-off's page (the page its child starts from), beyond ``readable``."""
    if tool == "search_pages":
        return "search_pages: a search lists pages beyond what this agent may read (its reach)"
    by_source = tool == "query_data_source" or (tool == "map_rows" and args.get("data_source_id"))
    place = args.get("data_source_id" if by_source else "page_id")
    if not by_source and (_own(state, place) or place is None):
        return None
    return _unreached(tool, place, readable, parents, "read")


def _unreached(tool: str, place: Any, reach: set[str], parents: Parents | None, verb: str) -> str | None:
    key = plain_notion_id(str(place)) if isinstance(place, str) else ""
    if key and key in reach:
        return None
    parent = parents(str(place)) if key and parents is not None else None
    if parent and plain_notion_id(parent) in reach:
        return None
    return f"{tool}: {place} lies beyond what this agent may {verb} (its reach); work within its reach"


def gated(state: RunState, tool: Tool, args: dict[str, Any], blocks: Blocks | None = None) -> str | None:
    """The digest of the step's effect when it needs the owner's approval, else None. ``blocks``
    reads the block a block edit names (the step's engine gives it; see :func:`_edits_own`)."""
    if tool.effect == SideEffect.CODE or tool.name in TRACKER_WRITES:
        return effect_digest(tool.name, args, production=is_production(tool.name, args))
    if tool.uses_mcp:  # every MCP call; the agent's policy may let it run unasked (Tool.unasked)
        return effect_digest(tool.name, args)
    if tool.name in BLOCK_EDITS | PAGE_EDITS:
        return None if _edits_own(state, tool.name, args, blocks) else effect_digest(tool.name, args)
    if tool.effect == SideEffect.NOTION_WRITE:
        creates = tool.name in ("create_page", "create_database")
        target = args.get("parent_page_id") if creates else args.get("page_id")
        if not _own(state, target):
            return effect_digest(tool.name, args)
    if tool.name in WORKSPACE_READS and state.member and not within_reach(state, tool.name, args):
        return effect_digest(tool.name, args)
    return None


def describe(
    tool: str,
    args: dict[str, Any],
    titles: Titles | None = None,
    current: Current | None = None,
    texts: Titles | None = None,
) -> str:
    """One effect as the owner reads it, whole: the tool, its targets (a page with its title, a block
    with its text, quoted, when ``titles`` and ``texts`` know them), then its other arguments, every
    value by :func:`value_text`, nothing clipped. A pull request's files each with its unified diff
    against the base's current content (``current``; without it, the new content as added lines)."""
    targets = REGISTRY[tool].targets or _READ_TARGETS.get(tool, ())

    def shown(key: str, value: Any) -> str:
        if key == "files" and isinstance(value, list):
            return "[" + ", ".join(_files(args, value, current)) + "]"
        text = value_text(value)
        if key in targets and key.endswith("block_id") and texts is not None and (said := texts(value)):
            return f"{text} (reading {literal(_clip(' '.join(said.split()), _BLOCK_CHARS))})"
        if key in targets:
            title = titles(value) if titles is not None and key.endswith("page_id") else None
            return (
                f"{text} (titled {literal(_clip(' '.join(title.split()), _TITLE_CHARS))})" if title else text
            )
        return text

    ordered = [k for k in targets if k in args] + [k for k in args if k not in targets]
    return f"{tool}(" + ", ".join(f"{k}={shown(k, args[k])}" for k in ordered) + ")"


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _files(args: dict[str, Any], files: list[Any], current: Current | None) -> list[str]:
    """A pull request's files as a request shows them: each path, what it writes (lines, characters,
    executable) and its diff, each line of the diff one :func:`literal`."""
    paths = [str(f.get("path", "")) for f in files if isinstance(f, dict)]
    now: dict[str, str | None] | None = None
    if current is not None and paths:
        try:
            # a fix's hunks apply to its branch; a pull request's to its base
            where = str(args.get("branch") or args.get("base", ""))
            now = current(str(args.get("repository", "")), where, paths)
        except Exception:  # unreadable now (any failure): the whole new content is shown instead
            now = None
    return [_file(f, now) for f in files]


_SENSITIVE = {
    "workflow": "it runs in CI with the repository's secrets",
    "dependency": "what it names is fetched and run at install and build time",
}


def _file(file: Any, now: dict[str, str | None] | None) -> str:
    """One file of a pull request, whole: its path, its size and its unified diff (``now``: the base's
    current files; None: not read, so every line is shown as added and the header says so)."""
    if not isinstance(file, dict):
        return literal(file)
    path = str(file.get("path", ""))
    before = now.get(path) if now is not None else None
    content, problem = _new_content(file, path, before)
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    mode = ", executable" if file.get("executable") else ""
    if kind := sensitive_kind(path):  # named so: pushed only with this approval
        mode += f", a {kind} file: {_SENSITIVE[kind]}"
    if problem:
        return f"{value_text(path)} ({problem}) edits: {value_text(file.get('edits'))}"
    if now is None:
        state = "its current content not read: the whole new content"
    else:
        state = "a new file" if before is None else "changed" if before != content else "unchanged"
    diff = difflib.unified_diff(
        (before or "").splitlines(keepends=True),
        content.splitlines(keepends=True),
        fromfile=f"a/{path}" if before is not None else "/dev/null",
        tofile=f"b/{path}",
    )
    shown = " ".join(literal(line.rstrip("\n")) for line in diff)
    size = f"{lines} line{'' if lines == 1 else 's'}, {len(content)} characters{mode}"
    return (
        f"{value_text(path)} ({size}; {state}) diff: {shown}"
        if shown
        else f"{value_text(path)} ({size}; {state})"
    )


def _new_content(file: dict[str, Any], path: str, before: str | None) -> tuple[str, str]:
    """The file's content once pushed (its hunks applied to ``before``), or why it cannot be said."""
    edits = file.get("edits")
    if not edits:
        return str(file.get("content") or ""), ""
    if before is None:
        return "", "a patch of a file not read now: its hunks are shown as given"
    try:
        return apply_edits(path, before, [Edit.model_validate(e) for e in edits]), ""
    except ValueError as exc:  # pydantic's ValidationError is one too
        return "", f"its hunks do not apply, so it will not be pushed: {exc}"


def quoted(reason: str) -> str:
    """The model's words, marked as such: never the request's own text."""
    text = " ".join(reason.split())
    text = text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"
    return f"The agent's own words (not checked): {literal(text)}"


def effect_request(
    tool: str,
    args: dict[str, Any],
    rationale: str,
    titles: Titles | None = None,
    current: Current | None = None,
    *,
    texts: Titles | None = None,
    facts: str = "",
) -> str:
    """The prompt of the request the engine records for one gated effect. It shows the whole effect (a
    pull request's diffs against ``current``, a block's text by ``texts``), what code checked before
    asking (``facts``, code's own words: a merge's ready preview), then the model's words if they fit.
    An effect too large to show whole in one request is refused (ModelFixableError: the model splits
    it), never shown in part."""
    if tool in WORKSPACE_READS:
        head = (
            "Allow this run, started by a workspace member who is not you, to read beyond the page "
            f"it was started from? It will: {describe(tool, args, titles, current)}."
        )
    else:
        where = "to production" if is_production(tool, args) else "beyond the run's own pages"
        head = f"Allow this change {where}? It will: {describe(tool, args, titles, current, texts)}."
        if (final := final_reason(tool)) is not None:  # said before asking: no undo later
            head = f"{head} It cannot be taken back: {final}."
    if facts:
        head = f"{head} {facts}"
    if len(head) > PROMPT_CHARS:
        raise ModelFixableError(
            f"{tool}: the change is too large to show the owner in one approval ({len(head)} characters "
            f"of at most {PROMPT_CHARS}); split it into smaller changes (fewer files, shorter texts)"
        )
    reason = quoted(rationale) if rationale else ""
    fits = reason and len(head) + 1 + len(reason) <= PROMPT_CHARS  # never cut: its quotes stay whole
    return f"{head} {reason}" if fits else head


# Code effects whose approval shows the files' diffs against their current content, read when their
# step runs (in deploy): never granted ahead by a plan's approval, which could show only the new text.
PUSHES = ("open_pull_request", "push_fix", "push_revision")


def asks_at_its_step(step: PlannedStep) -> bool:
    """Whether a code effect is asked for (or let run) when its step runs, with no plan's approval
    needed before it. So is a push (its diff read then), one code checks before asking (a merge), one
    whose arguments refer to a step not yet run, and a preview. Code lets a preview run unasked when it
    builds the run's own pull request's branch, and asks for it at its step otherwise (``Tool.unasked``;
    decision 0148). A plan's approval inserted for it would be a second decision on the same change, or
    one on a change nobody needs to decide. A plan's own approval before it lists it."""
    tool = REGISTRY.get(step.tool)
    if tool is None or tool.effect != SideEffect.CODE:
        return False
    later = REFERENCE.search(json.dumps(step.args, default=str)) is not None
    preview = tool.unasked is not None and not is_production(step.tool, step.args)
    return step.tool in PUSHES or tool.before_asking is not None or later or preview


def covered(state: RunState, step: int) -> list[tuple[int, PlannedStep, str]]:
    """What approving the plan's request_approval at ``step`` lets happen, each with its digest: the
    later steps, up to the next request to a person, whose effect can be gated and whose arguments
    hold no reference and that lie within reach. A reference resolves when its step runs, and is asked for then. A push (a
    pull request, a fix, a revision) is asked for when its step runs too: there, in deploy, its files'
    current content is read for the diffs the owner approves (execute-step holds no GitHub token). So is a step whose tool checks
    something before asking (``Tool.before_asking``: a merge, once its preview is ready)."""
    out: list[tuple[int, PlannedStep, str]] = []
    for n, planned in enumerate(state.steps[step:], start=step + 1):
        tool = REGISTRY.get(planned.tool)
        if tool is None or tool.effect == SideEffect.HUMAN:
            break
        if REFERENCE.search(json.dumps(planned.args)) or planned.tool in PUSHES:
            continue
        if tool.before_asking is not None:  # asked when its step runs, once code checked what it says
            continue
        if outside_reach(state, planned.tool, planned.args):  # refused when it runs: never listed
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
    room = PROMPT_CHARS - len(reason) - len("Approve these changes? . ")
    listed: list[str] = []
    granted: list[str] = []
    for n, planned, digest in covered(state, step):
        line = f"{n}. {describe(planned.tool, planned.args, titles)}"
        if final_reason(planned.tool) is not None:
            line = f"{line} (cannot be taken back)"
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
