"""The names of the places code goes: a GitHub repository, a GitLab project, a Vercel project.

Apart from ``shared.code.domain.code`` because a tenant's settings list these names, and every function
loads the settings: a name's check should not bring the deploy function's models with it.
"""

import re

from shared.platform.domain.schema import matched

# GitHub: an owner is 1-39 letters, digits or single hyphens, not starting with a hyphen; a repository
# name is up to 100 letters, digits, '.', '_' or '-', never "." nor "..". The settings' contract
# states these patterns (shared.workspace.domain.settings_input).
REPOSITORY = r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$"
PROJECT = r"^[A-Za-z0-9._-]{1,100}$"
# GitLab: a project in nested groups, group/sub/name (at most 20 subgroups); each part up to 100 letters,
# digits, '.', '_' or '-', never "." nor "..". Two parts are checked as GitHub's (one rule for both).
_PART = r"(?!\.\.?(?:/|$))[A-Za-z0-9._-]{1,100}"
NESTED = rf"^{_PART}(?:/{_PART}){{2,21}}$"
CODE_REPOSITORY = rf"(?:{REPOSITORY})|(?:{NESTED})"  # what a run may name: either
_REPOSITORY, _PROJECT, _NESTED = re.compile(REPOSITORY), re.compile(PROJECT), re.compile(NESTED)


def check_repository(value: str) -> str:
    """``owner/name`` as GitHub spells them, or a ValueError saying what is wrong."""
    return matched(value, _REPOSITORY, "repository must be 'owner/name' (letters, digits, '-', '.', '_')")


def nested(repository: str) -> bool:
    """Whether ``repository`` is a GitLab project's path in nested groups (group/sub/name)."""
    return _NESTED.fullmatch(repository) is not None


def check_code_repository(value: str) -> str:
    """A repository a code run may name: GitHub's ``owner/name``, or a GitLab project's path in nested
    groups (``group/sub/name``), else a ValueError saying what is wrong."""
    if nested(value):
        return value
    return matched(
        value,
        _REPOSITORY,
        "repository must be 'owner/name', or a GitLab project's 'group/subgroup/name' "
        "(letters, digits, '-', '.', '_')",
    )


def check_project(value: str) -> str:
    """A Vercel project's name or id."""
    return matched(
        value, _PROJECT, "project must be a Vercel project name or id (letters, digits, '.', '_', '-')"
    )
