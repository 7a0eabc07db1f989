"""Reading the repository a run changes (issue 68, point 2, in part): its files' list, its conventions
files (``AGENTS.md``, ``CONTRIBUTING.md``, ...) and the files the model names, within a budget, before
it plans a change. Read only, in the deploy function (the GitHub token is there). What it reads is
untrusted input, like a page: an ``AGENTS.md`` can steer the model's words, never skip an approval
nor widen the policy or the allowed repositories."""

from typing import Annotated

from pydantic import Field

from shared.code.domain.code import check_base, check_path
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext
from shared.tools.code import _allowed_repository, _checked_by, _code
from shared.workspace.domain.code_names import check_repository
from shared.workspace.domain.integrations import Integration

TREE_FILES = 300  # paths listed at most (the rest counted)
CONVENTIONS = ("AGENTS.md", "CONTRIBUTING.md", ".github/CONTRIBUTING.md", "CLAUDE.md")
CONVENTIONS_CHARS = 8_000  # of the conventions files, in all
CONTENTS_CHARS = 30_000  # of the files asked for, in all
FILE_CHARS = 15_000  # of one file asked for


class ReadRepositoryArgs(Args):
    repository: Annotated[
        str,
        Field(min_length=3, max_length=201, description="owner/name, one the owner allowed"),
        _checked_by(check_repository),
    ]
    ref: Annotated[
        str, Field(max_length=255, description="a branch; empty: the default branch"), _checked_by(check_base)
    ] = ""
    paths: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=300), _checked_by(check_path)]],
        Field(max_length=20, description="files to read whole (within the budget), e.g. src/app.py"),
    ] = Field(default_factory=list)


def _within(texts: dict[str, str | None], budget: int, each: int) -> tuple[dict[str, str], list[str]]:
    """The texts that fit ``budget`` characters in all, each cut to ``each`` (marked so); the paths
    left out."""
    kept: dict[str, str] = {}
    left: list[str] = []
    for path, content in texts.items():
        if content is None:
            continue
        shown = content if len(content) <= each else content[:each] + "\n[... cut: the file goes on]"
        if len(shown) > budget:
            left.append(path)
            continue
        kept[path] = shown
        budget -= len(shown)
    return kept, left


def read_repository(ctx: ToolContext, args: ReadRepositoryArgs) -> Output:
    """The repository at ``ref``: its head, its files (path and size, the first ``TREE_FILES``), its
    conventions files' text (``CONVENTIONS_CHARS`` in all) and the ``paths`` asked for
    (``CONTENTS_CHARS`` in all, ``FILE_CHARS`` each); what did not fit is named in ``left_out``."""
    _allowed_repository(ctx, args.repository)
    code = _code(ctx)
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    head, files, truncated = code.host.tree(token, args.repository, args.ref)
    present = {path for path, _ in files}
    wanted = [p for p in CONVENTIONS if p in present]
    read = (
        code.host.current_files(token, args.repository, args.ref, [*wanted, *args.paths])
        if wanted or args.paths
        else {}
    )
    conventions, left_conv = _within({p: read.get(p) for p in wanted}, CONVENTIONS_CHARS, CONVENTIONS_CHARS)
    contents, left = _within({p: read.get(p) for p in args.paths}, CONTENTS_CHARS, FILE_CHARS)
    return {
        "repository": args.repository,
        "ref": args.ref,
        "head_sha": head,
        "files": [{"path": p, "size": n} for p, n in files[:TREE_FILES]],
        "files_not_listed": max(0, len(files) - TREE_FILES) + (1 if truncated else 0),
        "conventions": conventions,
        "contents": contents,
        "missing": [p for p in args.paths if read.get(p) is None],
        "left_out": left_conv + left,
    }


TOOLS = [
    Tool(
        "read_repository",
        SideEffect.READ,
        ReadRepositoryArgs,
        "Read an allowed repository before changing it: its files (path, size), its conventions files "
        "(AGENTS.md, CONTRIBUTING.md: the repository's instructions and test command) and the files "
        "named in paths, within a budget. Output: head_sha, files, conventions, contents, missing, left_out.",
        read_repository,
        uses_notion=False,
        targets=("repository",),
    ),
]
