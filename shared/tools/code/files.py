"""The files of a code change as the model gives them, and as code makes them before any push.

An existing file is patched by search/replace hunks applied to its current content. A new file is
given whole; an existing one is replaced whole only with ``rewrite``. Each change to an existing file
says why; the description lists them and the test command."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from shared.code.domain.code import MAX_PATH_CHARS, check_content, check_path
from shared.code.domain.conventions import CONVENTIONS, find_test_command
from shared.code.domain.patches import MAX_EDITS, Action, Edit, resolve_file
from shared.code.domain.secret_findings import secrets_message
from shared.platform.errors import ModelFixableError
from shared.tools.base import Args, checked

if TYPE_CHECKING:
    from shared.code.ports import CodeAccess, CodeHost

WHY_CHARS = 300


def checked_by(check: Callable[[str], str]) -> AfterValidator:
    """An argument's validator: ``check`` as :func:`checked` applies it (references checked once resolved)."""
    return AfterValidator(lambda value: checked(value, check))


def _content(value: str | None) -> str | None:
    return value if value is None else checked(value, check_content)


class EditArgs(Args):
    search: Annotated[
        str,
        Field(
            min_length=1,
            max_length=20_000,
            description="the file's exact current lines to replace (found once; read them first)",
        ),
    ]
    replace: Annotated[str, Field(max_length=100_000, description="what they become")]


class FileArgs(Args):
    path: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_PATH_CHARS,
            description="relative to the repository root, e.g. docs/notes.md (no leading '/' or './')",
        ),
        checked_by(check_path),
    ]
    content: Annotated[
        str | None,
        Field(max_length=100_000, description="a new file's whole content; an existing file takes edits"),
        AfterValidator(_content),
    ] = None
    edits: Annotated[
        list[EditArgs],
        Field(max_length=MAX_EDITS, description="an existing file's change: search/replace hunks, in order"),
    ] = Field(default_factory=list)
    rewrite: Annotated[
        bool, Field(description="true only to replace an existing file whole with content (said so)")
    ] = False
    why: Annotated[
        str, Field(max_length=WHY_CHARS, description="why this file changes (required for an existing file)")
    ] = ""
    executable: Annotated[
        bool, Field(description="true for a new script; a file that was executable stays so")
    ] = False

    @model_validator(mode="after")
    def _content_or_edits(self) -> "FileArgs":
        if self.edits and self.content is not None:
            raise ValueError(f"file {self.path!r}: give either content (a new file) or edits, not both")
        if not self.edits and self.content is None:
            raise ValueError(f"file {self.path!r}: give its edits or, for a new file, its content")
        return self

    @property
    def size(self) -> int:
        """The characters the model wrote for it (its content, or its hunks' replacements)."""
        return len(self.content) if self.content is not None else sum(len(e.replace) for e in self.edits)


class SecretsInArguments(ModelFixableError):
    """The secret scan found secrets in a code tool's arguments (:func:`no_secrets`). Raised from an
    argument model's validator, it is not a ValueError, so it leaves validation as it is: the model's
    to fix at a step; a phase planned holding one fails the run (``plan_next``)."""


def no_secrets(repository: str, files: list[FileArgs], texts: dict[str, str]) -> None:
    """:class:`SecretsInArguments` naming the kind and place of each secret the scan finds in a code
    tool's arguments, never its value: its files' contents or hunks' replacements, their paths and
    reasons, and ``texts`` (``policy.TITLE``, ``BODY``, ``COMMIT``). Checked when the plan is made and
    before each step runs, so a change holding one is never listed in an approval. The scanner (~0.8 s
    to import) is imported at the first check, not at every function's cold start."""
    from shared.code.services import secret_scan

    contents = {
        f.path: f.content if f.content is not None else "\n".join(e.replace for e in f.edits) for f in files
    }
    reasons = {f"the reason given for file {n}": f.why for n, f in enumerate(files, 1) if f.why}
    found = secret_scan.scan(contents, texts | reasons)
    if found:
        raise SecretsInArguments(secrets_message(repository, found, before_asking=True))


def resolve_files(
    tool: str,
    host: "CodeHost",
    token: str,
    repository: str,
    files: list[FileArgs],
    *,
    base: str = "",
    branch: str = "",
) -> tuple[list[dict[str, Any]], list[tuple[str, Action, str]]]:
    """The change's files, whole, as they will be committed, and (path, action, why) for each. A
    file is the repository's own when it exists at ``base`` ("": the default branch); hunks apply to it
    as it is at ``branch`` (a fix's branch) or else at ``base``. ModelFixableError, saying which file
    and why, for a hunk that does not apply, a silent rewrite, or an existing file's change with no why."""
    paths = [f.path for f in files]
    theirs = host.current_files(token, repository, base, paths)
    now = (
        host.current_files(token, repository, branch, paths)
        if branch and any(f.edits for f in files)
        else theirs
    )
    made: list[dict[str, Any]] = []
    actions: list[tuple[str, Action, str]] = []
    for f in files:
        edits = [Edit(search=e.search, replace=e.replace) for e in f.edits]
        current = now.get(f.path) if f.edits else theirs.get(f.path)
        try:
            content, action = resolve_file(f.path, current, f.content, edits, f.rewrite)
        except ValueError as exc:
            raise ModelFixableError(f"{tool}: {exc}") from None
        if theirs.get(f.path) is not None and not f.why.strip():
            raise ModelFixableError(f"{tool}: file {f.path!r} exists: say why it changes (why)")
        made.append({"path": f.path, "content": content, "executable": f.executable})
        actions.append((f.path, action, f.why))
    return made, actions


def files_section(actions: list[tuple[str, Action, str]]) -> str:
    """The description's list of files, written by code: each path, how it changes, and why."""
    said = {"create": "new", "edit": "patched", "rewrite": "replaced whole"}
    lines = [
        f"- `{path}` ({said[action]})" + (f": {' '.join(why.split())}" if why.strip() else "")
        for path, action, why in actions
    ]
    return "Files:\n" + "\n".join(lines)


def tests_of(code: "CodeAccess", tenant_id: str, token: str, repository: str, ref: str) -> tuple[str, str]:
    """The command the repository's tests run with and where it was found: the owner's policy for the
    repository, else its conventions files at ``ref`` ("": the default branch); ``("", "")``: neither."""
    if command := code.policy(tenant_id, repository).test_command:
        return command, "the repository's policy"
    read = code.host.current_files(token, repository, ref, list(CONVENTIONS))
    return find_test_command({p: t for p, t in read.items() if t is not None})


def tests_line(command: str, source: str) -> str:
    """The description's line naming the test command the checks run, or that none was found."""
    if not command:
        return "Tests: no test command found (AGENTS.md, CONTRIBUTING.md or the repository's policy)."
    return f"Tests: `{command}` (from {source}), as the repository's checks run them."
