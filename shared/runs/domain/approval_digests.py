"""What a run may do without its owner: effects named by digest, and the approvals that cover them.

An effect beyond the run's own pages (a code tool, a Notion write elsewhere) runs only after the
owner approved a request, written by code, that names it by :func:`effect_digest` of its resolved
arguments. An approval lets its effect happen once. A production deployment's approval lapses when
the run reads workspace content after it.
Rules and threat model: docs/security.md.
"""

import hashlib
import json
from typing import Any

PRODUCTION = "prod:"  # the prefix of a production deployment's digest
# Tools whose result is workspace content (a page could steer what follows): their reach is checked.
# tests/unit/engine/authority/test_authority.py holds these sets against the registry.
WORKSPACE_READS = frozenset({"read_page", "query_data_source", "search_pages", "search_workspace"})
# Reads whose result is content nobody vetted, the workspace's or a repository's files (AGENTS.md can
# steer as a page can): each ends every production approval given before it.
# `read_requirements` reads its own trigger page's section only, edited by people: no reach to check.
UNTRUSTED_READS = WORKSPACE_READS | {"read_repository", "read_requirements"}
# Writes to another system's issues or tasks (Linear, GitLab, Motion): each asks the owner first, as code
# writes do.
TRACKER_WRITES = frozenset(
    {"create_issue", "comment_on_issue", "update_issue", "create_task", "update_task", "comment_on_task"}
)


def is_production(tool: str, args: dict[str, Any]) -> bool:
    """A production deployment, or a merge into the branch production is built from."""
    return tool == "merge_pull_request" or (
        tool == "deploy_vercel" and args.get("target", "preview") != "preview"
    )


def effect_digest(tool: str, args: dict[str, Any], *, production: bool = False) -> str:
    """The name of one effect: the tool and its arguments as they will run (resolved), canonical."""
    body = json.dumps([tool, args], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return (PRODUCTION if production else "") + hashlib.sha256(body.encode()).hexdigest()[:40]


def after_read(approved: tuple[str, ...]) -> tuple[str, ...]:
    """The approvals that still hold once the run read workspace content: all but production's."""
    return tuple(d for d in approved if not d.startswith(PRODUCTION))


def spent(approved: tuple[str, ...], tool: str, args: dict[str, Any]) -> tuple[str, ...]:
    """The approvals left once this effect ran: the one naming it is used up (an identical effect
    later in the run asks again)."""
    digest = effect_digest(tool, args, production=is_production(tool, args))
    if digest not in approved:
        return approved
    at = approved.index(digest)
    return approved[:at] + approved[at + 1 :]
