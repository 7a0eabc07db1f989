"""A change to an existing file as search/replace hunks, applied in code to the file as it is now.

Pure: no I/O. A hunk that is not found exactly once is refused with the reason, so a file is never
rewritten blind; the lines no hunk touches stay as they were, however large the file.
"""

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from shared.platform.domain.schema import Record

MAX_EDITS = 50  # hunks in one file's change
SHOWN_CHARS = 80  # of a hunk's search text, quoted in a refusal


class Edit(Record):
    """Replace ``search`` (the file's exact text, whitespace included, found once) by ``replace``."""

    search: str = Field(min_length=1, max_length=20_000)
    replace: str = Field(max_length=100_000)


type Action = Literal["create", "edit", "rewrite"]


def _shown(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return repr(line[:SHOWN_CHARS] + ("..." if len(line) > SHOWN_CHARS else ""))


def apply_edits(path: str, current: str, edits: Sequence[Edit]) -> str:
    """``current`` with each of ``edits`` applied in order, each to the text the ones before left.
    ValueError naming the file and the hunk when a search text is missing or found more than once
    (nothing is applied then), or when the hunks change nothing."""
    text = current
    for n, edit in enumerate(edits, start=1):
        found = text.count(edit.search)
        if found == 0:
            raise ValueError(
                f"file {path!r}: hunk {n} does not apply: its search text {_shown(edit.search)} is not in "
                "the file as it is now; read the file again (read_repository) and copy its lines exactly"
            )
        if found > 1:
            raise ValueError(
                f"file {path!r}: hunk {n} does not apply: its search text {_shown(edit.search)} is found "
                f"{found} times; add the lines around it so it is found once"
            )
        text = text.replace(edit.search, edit.replace, 1)
    if text == current:
        raise ValueError(f"file {path!r}: the hunks change nothing")
    return text


def resolve_file(
    path: str, current: str | None, content: str | None, edits: Sequence[Edit], rewrite: bool
) -> tuple[str, Action]:
    """A file's new content and how it was made, from what the model gave and the file as it is now
    (``current``; None: no such file). Edits patch an existing file; ``content`` creates a new file,
    or replaces an existing one whole only with ``rewrite`` (said so, never silently)."""
    if edits and content is not None:
        raise ValueError(f"file {path!r}: give either content (a new file) or edits (a patch), not both")
    if edits:
        if current is None:
            raise ValueError(f"file {path!r} does not exist; give its content to create it")
        return apply_edits(path, current, edits), "edit"
    if content is None:
        raise ValueError(
            f"file {path!r}: give its edits (search/replace hunks) or, for a new file, its content"
        )
    if current is None:
        return content, "create"
    if not rewrite:
        raise ValueError(
            f"file {path!r} exists ({len(current)} characters): change it with edits (search/replace "
            "hunks), or set rewrite: true to replace it whole"
        )
    return content, "rewrite"
