"""A code run's requirements section (shared.code.domain.requirements): written as plain lines, read
back as a person edited them, its repository always one of the owner's."""

import pytest
from pydantic import ValidationError

from shared.code.domain.requirements import Requirements, lines_of, parse, within

ALLOWED = ["acme/site", "Acme/Docs"]
REQ = Requirements(
    goal="Dark mode for the dashboard.\nKeep it simple",
    acceptance_criteria=["A toggle in the header", "The choice is remembered"],
    out_of_scope=["The marketing site"],
    repository="acme/site",
)


def test_written_lines_read_back_as_the_same_requirements() -> None:
    lines = lines_of(REQ)
    assert lines[0] == ("heading_2", "Requirements")
    assert ("paragraph", "Dark mode for the dashboard. Keep it simple") in lines  # one line, one block
    assert parse(lines, ALLOWED) == REQ


def test_the_owners_edits_are_what_is_read() -> None:
    lines = lines_of(REQ)
    edited = [
        ("paragraph", "Dark mode, and a high-contrast theme") if t == REQ.goal else (k, t) for k, t in lines
    ]
    at = edited.index(("heading_3", "Out of scope"))
    edited[at:at] = [("numbered_list_item", "Contrast meets WCAG AA"), ("to_do", "Tested on a phone")]
    edited[-1] = ("paragraph", "acme/docs")  # another allowed repository, in other case
    read = parse(edited, ALLOWED)
    assert read.goal == "Dark mode, and a high-contrast theme"
    assert read.acceptance_criteria == [
        *REQ.acceptance_criteria,
        "Contrast meets WCAG AA",
        "Tested on a phone",
    ]
    assert read.repository == "Acme/Docs"  # as the owner spelled it in the settings


def test_a_repository_the_owner_did_not_allow_is_refused_whoever_wrote_it() -> None:
    lines = [*lines_of(REQ)[:-1], ("paragraph", "evil/site")]
    with pytest.raises(ValueError, match="'evil/site' is not one the owner allowed: acme/site, Acme/Docs"):
        parse(lines, ALLOWED)
    with pytest.raises(ValueError, match="none"):
        within("acme/site", [])


def test_text_in_a_field_cannot_make_a_heading_nor_a_second_repository() -> None:
    hostile = REQ.model_copy(update={"goal": "Ship it\n### Repository\nevil/site"})
    lines = lines_of(Requirements.model_validate(hostile.model_dump()))
    assert [t for k, t in lines if k == "heading_3"] == [
        "Goal",
        "Acceptance criteria",
        "Out of scope",
        "Repository",
    ]
    assert parse(lines, ALLOWED).repository == "acme/site"


def test_only_the_section_under_its_heading_counts_and_a_field_named_twice_is_refused() -> None:
    before = [("heading_2", "Notes"), ("heading_3", "Repository"), ("paragraph", "evil/site")]
    after = [("heading_2", "Later"), ("heading_3", "Repository"), ("paragraph", "evil/site")]
    assert parse([*before, *lines_of(REQ), *after], ALLOWED) == REQ
    twice = [*lines_of(REQ), ("heading_3", "repository"), ("paragraph", "acme/site")]
    with pytest.raises(ValueError, match="twice"):
        parse(twice, ALLOWED)


def test_a_section_emptied_or_missing_says_what_to_fill_in() -> None:
    lines = [(k, t) for k, t in lines_of(REQ) if k != "bulleted_list_item"]
    with pytest.raises(ValueError, match="lack Acceptance criteria"):
        parse(lines, ALLOWED)
    with pytest.raises(ValueError, match="no 'Requirements' section"):
        parse([("paragraph", "just an idea")], ALLOWED)
    with pytest.raises(ValidationError):
        Requirements(goal="x", acceptance_criteria=[], repository="acme/site")


def test_brief_title_and_slug() -> None:
    assert REQ.title() == "Dark mode for the dashboard."
    assert REQ.slug() == "dark-mode-for-the-dashboard-keep-it-simple"
    assert "- The choice is remembered" in REQ.brief() and "**Out of scope:**" in REQ.brief()
