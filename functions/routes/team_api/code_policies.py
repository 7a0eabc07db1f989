"""Repository policies: what a code run may push to each repository and whether
a change passing every check inside the allowed paths merges without asking. Read by any member;
set by the workspace's owner only (``PUT``; ``PATCH /settings`` refuses ``code_policies`` to others)."""

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.platform.errors import NotFound
from shared.team.services.tenant_settings import code_policies, set_code_policy
from shared.workspace.domain.code_names import check_repository
from shared.workspace.domain.code_policy import CodePolicy


def list_policies(call: Call) -> Reply:
    return {"repositories": code_policies(call.tenant_id, call.tenants)}, 200


def put_policy(call: Call) -> Reply:
    """The repository's whole policy, replaced (a field left out takes its default: auto-merge off)."""
    repository = f"{call.args['owner']}/{call.args['name']}"
    try:
        check_repository(repository)
    except ValueError:
        raise NotFound(f"{repository!r} is not a repository name (owner/name)") from None
    policy = parse_json(call.request, CodePolicy)
    return set_code_policy(call.tenant_id, repository, policy, call.container.workspace.tenants), 200
