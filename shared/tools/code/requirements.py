"""From an idea page to a code run: ``write_requirements`` writes the run's
requirements as a section of its trigger page; ``read_requirements`` reads them back, as the owner
left them, for the code steps. The repository is always one the owner allowed; the section is
written as plain blocks under the write's marker, found again by it. Why: decision 0112.
"""

from typing import Annotated, Any

from pydantic import Field

from shared.code.domain.requirements import (
    GOAL_CHARS,
    ITEM_CHARS,
    MAX_ITEMS,
    Requirements,
    lines_of,
    parse,
    within,
)
from shared.notion.domain.blocks import text_blocks
from shared.notion.domain.markdown import plan_appends
from shared.notion.services import notion_text as nt
from shared.platform.errors import ModelFixableError, PermanentError
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext, build, idempotency_key
from shared.tools.notion_write import notion_write
from shared.workspace.domain.settings import plain_notion_id

_PAGE = Field(min_length=1, max_length=100, description="the run's trigger page (the idea)")


def _trigger_page(ctx: ToolContext, tool: str, page_id: str) -> str:
    """``page_id`` if it is the run's trigger page, else ModelFixableError: the section belongs there."""
    if not ctx.page_id or plain_notion_id(page_id) != plain_notion_id(ctx.page_id):
        raise ModelFixableError(f"{tool}: page_id must be the page that started this run ({ctx.page_id})")
    return page_id


def _allowed(ctx: ToolContext) -> tuple[str, ...]:
    if ctx.repositories is None:
        raise RuntimeError("this tool reads the owner's repositories: it declares uses_repositories")
    return ctx.repositories


class WriteRequirementsArgs(Args):
    page_id: Annotated[str, _PAGE]
    goal: Annotated[str, Field(min_length=1, max_length=GOAL_CHARS)]
    acceptance_criteria: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=ITEM_CHARS)]],
        Field(min_length=1, max_length=MAX_ITEMS),
    ]
    out_of_scope: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=ITEM_CHARS)]], Field(max_length=MAX_ITEMS)
    ] = Field(default_factory=list)
    repository: Annotated[
        str, Field(min_length=3, max_length=201, description="owner/name, one the owner allowed")
    ]


def _requirements(ctx: ToolContext, args: WriteRequirementsArgs) -> Requirements:
    """The arguments as requirements, the repository one the owner allowed (ModelFixableError if not)."""
    try:
        repository = within(args.repository, _allowed(ctx))
    except ValueError as exc:
        raise ModelFixableError(f"write_requirements: {exc}") from exc
    fields = args.model_dump(exclude={"page_id"}) | {"repository": repository}
    return build("write_requirements", Requirements, fields)


def _blocks(req: Requirements) -> list[dict[str, Any]]:
    return [block for kind, text in lines_of(req) for block in text_blocks(kind, text)]


def write_requirements(ctx: ToolContext, args: WriteRequirementsArgs) -> Output:
    """The section, once: what an earlier attempt of this call wrote (its marker's blocks) is deleted
    first, as ``append_blocks`` does, so a retry leaves one copy."""
    page_id = _trigger_page(ctx, "write_requirements", args.page_id)
    req = _requirements(ctx, args)
    notion = ctx.need_notion()
    [append] = plan_appends([nt.marker_block(ctx.signature()), *_blocks(req)])  # well within one request
    nt.clear_section(notion, page_id, ctx.key)
    nt.write_section(notion, page_id, [append])
    return {"page_id": page_id, "repository": req.repository, "criteria": len(req.acceptance_criteria)}


def find_requirements(ctx: ToolContext, args: WriteRequirementsArgs) -> Output | None:
    if not any(
        nt.is_marker(b, ctx.key, writing=False) for b in ctx.need_notion().list_children(args.page_id)
    ):
        return None
    req = _requirements(ctx, args)
    return {"page_id": args.page_id, "repository": req.repository, "criteria": len(req.acceptance_criteria)}


class ReadRequirementsArgs(Args):
    page_id: Annotated[str, _PAGE]


def section_lines(blocks: list[dict[str, Any]], run_prefix: str) -> list[tuple[str, str]]:
    """The (type, text) lines after the last completed marker of a write of this run (its keys start
    with ``run_prefix``), up to the next marker: what anyone, the owner included, left in it."""
    marks = [nt.mark(b) for b in blocks]
    markers = [
        i
        for i, m in enumerate(marks)
        if m is not None and m.key.startswith(run_prefix) and not m.writing  # not an unfinished attempt
    ]
    if not markers:
        return []
    lines: list[tuple[str, str]] = []
    for block, found in zip(blocks[markers[-1] + 1 :], marks[markers[-1] + 1 :], strict=True):
        text = nt.block_text(block)
        if found is not None:
            break
        lines.append((str(block.get("type", "")), text))
    return lines


def read_requirements(ctx: ToolContext, args: ReadRequirementsArgs) -> Output:
    """The requirements as the page holds them now (the owner's edits win), the repository held to the
    owner's list: a page naming another fails the run saying so, never redirects it."""
    page_id = _trigger_page(ctx, "read_requirements", args.page_id)
    notion = ctx.need_notion()
    prefix = idempotency_key(ctx.tenant_id, ctx.run_id, 0, 0).removesuffix("0:0")
    lines = section_lines(list(notion.list_children(page_id)), prefix)
    try:
        req = parse(lines, _allowed(ctx))
    except ValueError as exc:
        raise PermanentError(f"the requirements on the page cannot start the code run: {exc}") from exc
    url = str(notion.retrieve_page(page_id).get("url") or "")
    return {
        "page_id": page_id,
        "page_url": url,
        "goal": req.goal,
        "title": req.title(),
        "slug": req.slug(),
        "brief": req.brief(),
        "acceptance_criteria": list(req.acceptance_criteria),
        "out_of_scope": list(req.out_of_scope),
        "repository": req.repository,
    }


TOOLS = [
    notion_write(
        "write_requirements",
        WriteRequirementsArgs,
        "Write the run's requirements on its trigger page for the owner to edit: goal, "
        "acceptance_criteria, out_of_scope, repository (one the owner allowed); then request_approval "
        "and read_requirements. Output: page_id, repository, criteria.",
        write_requirements,
        find=find_requirements,
        targets=("page_id",),
    )._replace(uses_repositories=True),
    Tool(
        "read_requirements",
        SideEffect.READ,
        ReadRequirementsArgs,
        "Read the requirements on the trigger page as the owner left them, then end the phase with "
        "plan_next so the change is planned from them; output: goal, title, slug, brief (Markdown), "
        "acceptance_criteria, out_of_scope, repository, page_url.",
        read_requirements,
        uses_notion=True,
        uses_repositories=True,
    ),
]
