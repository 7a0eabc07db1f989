"""A code run's requirements as a section of its idea page: goal, acceptance criteria, out of scope
and the repository. Pure: rendered to and parsed from (block type, text) lines, never Markdown, so
no text in a field can become a heading; the repository is always one the owner allowed.

Why: docs/decisions/0112-requirements-written-on-the-idea-page.md.
"""

import re
from collections.abc import Iterable, Sequence
from typing import Annotated

from pydantic import AfterValidator, Field

from shared.platform.domain.schema import Record
from shared.workspace.domain.code_names import check_code_repository

HEADING = "Requirements"  # the section's heading_2, right after the write's marker
GOAL, CRITERIA, OUT_OF_SCOPE, REPOSITORY = "Goal", "Acceptance criteria", "Out of scope", "Repository"
FIELDS = (GOAL, CRITERIA, OUT_OF_SCOPE, REPOSITORY)
HINT = "Edit this section as you like, then approve the run: the code run starts from it as it then is."
MAX_ITEMS = 20
ITEM_CHARS = 500
GOAL_CHARS = 2000
# What a section's lines are: Notion block types, as read back (a person may use any list kind).
TEXT_KINDS = frozenset({"paragraph", "bulleted_list_item", "numbered_list_item", "to_do", "quote"})


def _one_line(value: str) -> str:
    """``value`` on one line, its runs of spaces and line breaks one space; a ValueError if blank."""
    flat = " ".join(value.split())
    if not flat:
        raise ValueError("must hold some text, not only spaces")
    return flat


Line = Annotated[str, Field(min_length=1, max_length=ITEM_CHARS), AfterValidator(_one_line)]


class Requirements(Record):
    """What a code run is to do, as the owner left it on the page."""

    goal: Annotated[str, Field(min_length=1, max_length=GOAL_CHARS), AfterValidator(_one_line)]
    acceptance_criteria: Annotated[list[Line], Field(min_length=1, max_length=MAX_ITEMS)]
    out_of_scope: Annotated[list[Line], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    repository: Annotated[str, Field(min_length=3, max_length=201), AfterValidator(check_code_repository)]

    def brief(self) -> str:
        """The requirements as Markdown, for the model's drafting and the pull request's description."""
        lines = [f"**Goal:** {self.goal}", "", "**Acceptance criteria:**"]
        lines += [f"- {c}" for c in self.acceptance_criteria]
        if self.out_of_scope:
            lines += ["", "**Out of scope:**", *(f"- {o}" for o in self.out_of_scope)]
        return "\n".join(lines)

    def title(self) -> str:
        """A pull request's title: the goal's first sentence, at most 120 characters."""
        first = re.split(r"(?<=[.!?])\s", self.goal, maxsplit=1)[0]
        return first if len(first) <= 120 else first[:119] + "…"

    def slug(self) -> str:
        """A file name's stem from the goal: lower-case words joined by hyphens."""
        return re.sub(r"[^a-z0-9]+", "-", self.goal.lower()).strip("-")[:60] or "change"


def within(repository: str, allowed: Sequence[str]) -> str:
    """The allowed repository ``repository`` names (as the owner spelled it; GitHub's names ignore
    case), or a ValueError naming the allowed ones. Nothing a page or a model says widens ``allowed``."""
    found = next((a for a in allowed if a.lower() == repository.strip().lower()), None)
    if found is None:
        listed = ", ".join(allowed) or "none (settings: github_repositories)"
        raise ValueError(f"repository {repository.strip()!r} is not one the owner allowed: {listed}")
    return found


def lines_of(req: Requirements) -> list[tuple[str, str]]:
    """The section as (block type, text) lines, the heading first; each field's text is its own
    block's plain text, so nothing in it is read as structure."""
    out = [("heading_2", HEADING), ("paragraph", HINT), ("heading_3", GOAL), ("paragraph", req.goal)]
    out += [("heading_3", CRITERIA), *(("bulleted_list_item", c) for c in req.acceptance_criteria)]
    out += [("heading_3", OUT_OF_SCOPE), *(("bulleted_list_item", o) for o in req.out_of_scope)]
    return [*out, ("heading_3", REPOSITORY), ("paragraph", req.repository)]


def parse(lines: Iterable[tuple[str, str]], allowed: Sequence[str]) -> Requirements:
    """The requirements a section's lines hold (those after the write's marker, in order), as a
    person may have edited them. The section runs from the first ``Requirements`` heading_2 up to the
    next heading_1 or heading_2. Each heading_3 of :data:`FIELDS` starts a field, its text lines follow. The repository
    is the first line of its field, held to ``allowed`` (:func:`within`). ValueError: what is wrong."""
    fields: dict[str, list[str]] = {}
    current: str | None = None
    started = False
    for kind, text in lines:
        if kind in ("heading_1", "heading_2"):
            if started:
                break
            started = kind == "heading_2" and text.strip().lower() == HEADING.lower()
            continue
        if not started:
            continue
        if kind == "heading_3":
            name = " ".join(text.split()).lower()
            current = next((f for f in FIELDS if f.lower() == name), None)
            if current is not None and current in fields:
                raise ValueError(f"the requirements name {current!r} twice: keep one")
            fields.setdefault(current or "", [])
        elif current is not None and kind in TEXT_KINDS and text.strip():
            fields[current].append(text)
    if not started:
        raise ValueError(f"the page holds no {HEADING!r} section written by this run")
    missing = [f for f in (GOAL, CRITERIA, REPOSITORY) if not fields.get(f)]
    if missing:
        raise ValueError(f"the requirements lack {', '.join(missing)}: fill them in on the page")
    return Requirements(
        goal=" ".join(fields[GOAL]),
        acceptance_criteria=fields[CRITERIA],
        out_of_scope=fields.get(OUT_OF_SCOPE, []),
        repository=within(fields[REPOSITORY][0], allowed),
    )
