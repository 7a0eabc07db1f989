"""Releasing code: a deployment awaited until it is really ready, the pull
request merged at the head the owner approved, production's health checked, and the previous production
deployment promoted back when that check fails. They run in the ``deploy`` function. Waiting is a scheduled
retry (a TransientError with a delay), as ``await_checks`` waits. The merge runs only after an approval
requested once the preview was READY (:func:`merge_facts`: the pull request, its head sha, the preview's
URL), and merges that sha only. The rollback only undoes the run's own approved production deployment when
it fails its health check. Every step looks at the current state before it acts, so a retried task does
nothing twice. Why: docs/decisions/0107."""

import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, NamedTuple

from pydantic import Field

from shared.code.domain.code import DEPLOY_FAILED, Deployment, PullRequest, overall
from shared.platform.domain.schema import matched
from shared.platform.errors import ModelFixableError, PermanentError, TransientError
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext, idempotency_key
from shared.tools.code.pull_request import (
    AwaitChecksArgs,
    _allowed_repository,
    _checked_by,
    _code,
    _own_branch,
)
from shared.workspace.domain.code_names import check_project
from shared.workspace.domain.code_policy import outside_auto_merge
from shared.workspace.domain.integrations import Integration

if TYPE_CHECKING:
    from shared.code.ports import CodeAccess

DEPLOY_POLL_S = 15.0  # how often a run looks at a deployment still building
DEPLOY_WAIT_S = 2_700  # how long after its creation a deployment may build (Vercel stops builds at 45 min)
HEALTH_TRIES = 3  # looks at production before it counts as failing (one bad answer is not an outage)
HEALTH_PAUSE_S = 2.0  # between those looks
_DEPLOYMENT_ID = re.compile(r"^[A-Za-z0-9_]{1,100}$")
_PATH = re.compile(r"^/[A-Za-z0-9._~/-]{0,200}$")  # no '//', '?', '@' or scheme: a path on the site
_SHA = re.compile(r"^[0-9a-f]{40}$")


def _check_deployment_id(value: str) -> str:
    return matched(value, _DEPLOYMENT_ID, "deployment_id must be a Vercel deployment id (dpl_...)")


def _check_sha(value: str) -> str:
    return matched(value, _SHA, "sha must be a full commit sha (40 hexadecimal digits)")


def _check_path(value: str) -> str:
    if not _PATH.fullmatch(value) or "//" in value or "/../" in f"{value}/":
        raise ValueError(f"path must be a path on the site such as /api/health, got {value!r}")
    return value


class AwaitDeploymentArgs(Args):
    project: Annotated[
        str,
        Field(min_length=1, max_length=100, description="the Vercel project the owner allowed"),
        _checked_by(check_project),
    ]
    deployment_id: Annotated[
        str,
        Field(min_length=1, max_length=100, description="the id deploy_vercel gave (dpl_...)"),
        _checked_by(_check_deployment_id),
    ]


def _allowed_project(code: "CodeAccess", tenant_id: str, project: str) -> str | None:
    """The workspace's Vercel team (None: the token's own account), once ``project`` is one it allowed."""
    settings = code.allowed(tenant_id)
    if project not in settings.vercel_projects:
        raise ModelFixableError(
            f"project {project!r} is not one the owner allowed; use one of {settings.vercel_projects}"
        )
    return settings.vercel_team_id


def ready(code: "CodeAccess", tenant_id: str, project: str, deployment_id: str) -> Deployment:
    """The deployment once Vercel says READY. Still QUEUED, INITIALIZING or BUILDING: a TransientError
    retried in ``DEPLOY_POLL_S`` (a scheduled retry), until ``DEPLOY_WAIT_S`` after its creation (a
    PermanentError then). ERROR or CANCELED: a PermanentError naming Vercel's reason. A deployment of
    another project: the model's to fix."""
    team = _allowed_project(code, tenant_id, project)
    token = code.token(tenant_id, Integration.VERCEL)
    found = code.deployer.get_deployment(token, deployment_id, team)
    if found.project and found.project != project:
        raise ModelFixableError(
            f"deployment {deployment_id} belongs to project {found.project!r}, not {project!r}"
        )
    what = f"the {found.target} deployment {deployment_id} of {project}"
    if found.state == "READY":
        return found
    if found.state in DEPLOY_FAILED:
        why = found.error or "Vercel gave no reason"
        raise PermanentError(f"{what} ended {found.state} ({why}); nothing was asked, merged or promoted")
    waited = time.time() - found.created_ms / 1000 if found.created_ms else 0.0
    if waited >= DEPLOY_WAIT_S:
        raise PermanentError(f"{what} is still {found.state} {DEPLOY_WAIT_S} s after it was created")
    raise TransientError(f"{what} is {found.state}", DEPLOY_POLL_S)


def await_deployment(ctx: ToolContext, args: AwaitDeploymentArgs) -> Output:
    """Waits, durably, until the deployment is READY (see :func:`ready`): its id, url, state, target
    and the commit it was built from."""
    found = ready(_code(ctx), ctx.tenant_id, args.project, args.deployment_id)
    return {"id": found.id, "url": found.url, "state": found.state, "target": found.target, "sha": found.sha}


class MergeArgs(AwaitChecksArgs):  # the pull request by its repository and branch, then:
    sha: Annotated[
        str,
        Field(min_length=40, max_length=40, description="its head commit, the one to merge (head_sha)"),
        _checked_by(_check_sha),
    ]
    preview_project: Annotated[
        str, Field(max_length=100, description="the Vercel project of its preview; empty: none")
    ] = ""
    preview_deployment: Annotated[
        str, Field(max_length=100, description="the preview deployment's id (deploy_vercel); empty: none")
    ] = ""


def _pull(code: "CodeAccess", ctx: ToolContext, args: MergeArgs) -> tuple[str, PullRequest]:
    """The token and the pull request from ``args.branch``, a branch this run opened in an allowed
    repository (the model's to fix otherwise)."""
    _own_branch(ctx, "merge_pull_request", args.branch)
    _allowed_repository(ctx, args.repository)
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    pr = code.host.find_pull_request(token, args.repository, args.branch)
    if pr is None:
        raise ModelFixableError(
            f"merge_pull_request: no pull request from {args.branch!r} in {args.repository}"
        )
    return token, pr


def merge_facts(ctx: ToolContext, args: MergeArgs) -> str:
    """What code checked and says in the merge's request, read before asking. The pull request is this
    run's, open, its head is ``sha``; its checks (none failing). Its preview is READY, built from
    ``sha``, with its URL and its smoke check on the repository policy's ``smoke_paths``. The preview
    still building: a scheduled retry (the owner is asked once it is ready); errored: the step fails.
    A workspace with Vercel projects must name the preview."""
    code = _code(ctx, args.repository)
    token, pr = _pull(code, ctx, args)
    if pr.state != "open":
        raise ModelFixableError(f"merge_pull_request: pull request #{pr.number} is {pr.state}, not open")
    if pr.head_sha != args.sha:
        raise ModelFixableError(
            f"merge_pull_request: the head of #{pr.number} is {pr.head_sha}, not {args.sha}; name its head"
        )
    results = code.host.checks(token, args.repository, args.sha)
    if overall(results) == "failure":
        failing = ", ".join(r.name for r in results if r.state == "failure")
        raise ModelFixableError(
            f"merge_pull_request: the checks of {args.sha[:12]} fail ({failing}); fix them first"
        )
    checks = ", ".join(f"{r.name} {r.state}" for r in results) or "none reported"
    if not args.preview_deployment:
        if code.allowed(ctx.tenant_id).vercel_projects:
            raise ModelFixableError(
                "merge_pull_request: name its preview (preview_project, preview_deployment from deploy_vercel)"
            )
        return f"Code checked: pull request #{pr.number} ({pr.url}) is open at {args.sha}; checks: {checks}; no preview deployment."
    found = ready(code, ctx.tenant_id, args.preview_project, args.preview_deployment)
    if found.sha and found.sha != args.sha:
        raise ModelFixableError(
            f"merge_pull_request: the preview {found.id} was built from {found.sha}, not the head {args.sha}"
        )
    smoke = _smoke(code, found, code.policy(ctx.tenant_id, args.repository).smoke_paths)  # the owner's paths
    return (
        f"Code checked: pull request #{pr.number} ({pr.url}) is open at {args.sha}; checks: {checks}; its preview "
        f"{found.id} is READY at {found.url}{smoke}."
    )


def auto_merge(ctx: ToolContext, args: MergeArgs) -> str | None:
    """Why this merge may happen without asking (decision 0117), else None and the owner is asked.
    Code reads each condition from the owner's settings and GitHub, never from the model. The
    repository's policy turns ``auto_merge`` on. The pull request is this run's, open, at ``sha``, not
    a draft. Every check reported passed (at least one). Each file it changes lies in the allowed paths
    and is no workflow or dependency file. The preview is READY from ``sha`` (:func:`merge_facts`)."""
    code = _code(ctx, args.repository)
    if not code.policy(ctx.tenant_id, args.repository).auto_merge:
        return None
    token, pr = _pull(code, ctx, args)
    if pr.state == "merged" and pr.head_sha == args.sha:  # merged by this step before a crash: found
        return f"auto-merge: pull request #{pr.number} was merged at {args.sha} already"
    facts = merge_facts(ctx, args)  # open at sha, no check failing, preview READY (or a retry)
    results = code.host.checks(token, args.repository, args.sha)
    if pr.draft or overall(results) != "success":
        return None
    files = code.host.pull_request_files(token, args.repository, pr.number)
    problems = outside_auto_merge(code.policy(ctx.tenant_id, args.repository), [f.path for f in files])
    if not files or problems:
        return None
    return (
        f"auto-merge: the policy of {args.repository} lets a change that passes every check inside its "
        f"allowed paths merge without asking; files: {', '.join(f.path for f in files)}. {facts}"
    )


def _smoke(code: "CodeAccess", preview: Deployment, paths: list[str]) -> str:
    """The smoke check of a ready preview: each path looked at once; what it answered, said in the
    request. A path failing fails the step: the owner is never asked to merge a broken preview."""
    answered = [(path, code.deployer.probe(preview.url, path)) for path in paths]
    broken = [
        f"{path} answered {status or 'nothing'}" for path, status in answered if not 200 <= status < 400
    ]
    if broken:
        raise PermanentError(
            f"the preview {preview.id} fails its smoke check ({'; '.join(broken)}): nothing was asked or merged"
        )
    return "; smoke check: " + ", ".join(f"{p} answered {s}" for p, s in answered) if answered else ""


def _merged(args: MergeArgs, pr: PullRequest, merge_sha: str, reconciled: bool = False) -> Output:
    return {
        "repository": args.repository,
        "number": pr.number,
        "url": pr.url,
        "sha": args.sha,
        "merged": True,
        "merge_sha": merge_sha,
    } | ({"found": True} if reconciled else {})


def merge_pull_request(ctx: ToolContext, args: MergeArgs) -> Output:
    """Squash-merges the approved head ``sha`` of a pull request this run opened, once. Merged already at
    that head, it is found. If its head moved since the approval, nothing is merged (GitHub refuses another
    sha too) and the model must name the new head, which asks the owner again."""
    code = _code(ctx, args.repository)
    token, pr = _pull(code, ctx, args)
    if pr.state == "merged":
        if pr.head_sha != args.sha:
            raise PermanentError(
                f"pull request #{pr.number} was merged at {pr.head_sha}, not the approved {args.sha}"
            )
        return _merged(args, pr, pr.merge_sha, reconciled=True)
    if pr.state != "open":
        raise PermanentError(f"pull request #{pr.number} of {args.repository} was closed; nothing merged")
    if pr.head_sha != args.sha:
        raise ModelFixableError(
            f"merge_pull_request: the head of #{pr.number} moved to {pr.head_sha} after the approval of "
            f"{args.sha}; nothing was merged"
        )
    if pr.draft:
        raise ModelFixableError(f"merge_pull_request: #{pr.number} is a draft; its checks must pass first")
    title = f"Merge {args.branch}"
    return _merged(args, pr, code.host.merge(token, args.repository, pr.number, args.sha, title))


def find_merge(ctx: ToolContext, args: MergeArgs) -> Output | None:
    """The merge already made (after a crash): the pull request merged at the approved head."""
    code = _code(ctx, args.repository)
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    pr = code.host.find_pull_request(token, args.repository, args.branch)
    if pr is None or pr.state != "merged" or pr.head_sha != args.sha:
        return None
    return _merged(args, pr, pr.merge_sha, reconciled=True)


class CheckProductionArgs(AwaitDeploymentArgs):
    path: Annotated[
        str,
        Field(min_length=1, max_length=201, description="the path to look at, e.g. /api/health"),
        _checked_by(_check_path),
    ] = "/"


def _run_prefix(ctx: ToolContext) -> str:
    """The start of every idempotency key of this run (``<tag>-<run>:``): a deployment it made."""
    return idempotency_key(ctx.tenant_id, ctx.run_id, 0, 0)[: -len("0:0")]


def _healthy(code: "CodeAccess", url: str, path: str) -> int:
    """The status production answers on ``path``; a success as soon as one look gives one."""
    status = 0
    for attempt in range(HEALTH_TRIES):
        status = code.deployer.probe(url, path)
        if 200 <= status < 400:
            return status
        if attempt + 1 < HEALTH_TRIES:
            time.sleep(HEALTH_PAUSE_S)
    return status


def check_production(ctx: ToolContext, args: CheckProductionArgs) -> Output:
    """The health check of a production deployment this run made: once it is READY and production
    serves it, ``path`` is looked at (``HEALTH_TRIES`` times at most). Healthy: said so. Failing: the
    production deployment that preceded it is promoted back (the rollback) and the output says so.
    Idempotent by the current state: production serving that previous deployment already means the
    rollback happened, and nothing is done again."""
    code = _code(ctx)
    found = ready(code, ctx.tenant_id, args.project, args.deployment_id)
    if found.target != "production" or not found.key.startswith(_run_prefix(ctx)):
        raise ModelFixableError(
            "check_production: name a production deployment this run made (deploy_vercel, target production)"
        )
    team = code.allowed(ctx.tenant_id).vercel_team_id
    token = code.token(ctx.tenant_id, Integration.VERCEL)
    previous = code.deployer.previous_production(token, args.project, found.created_ms, team)
    current = code.deployer.production(token, args.project, team)
    out: Output = {"project": args.project, "deployment_id": found.id, "path": args.path}
    if current is not None and previous is not None and current.id == previous.id:
        return out | {"healthy": False, "rolled_back_to": previous.id, "url": current.url, "found": True}
    if current is None or current.id != found.id:
        serving = current.id if current else "nothing"
        raise PermanentError(
            f"production of {args.project} serves {serving}, not {found.id}: nothing checked or rolled back"
        )
    status = _healthy(code, current.url, args.path)
    out |= {"url": current.url, "status": status}
    if 200 <= status < 400:
        return out | {"healthy": True, "checked_at": datetime.now(UTC).isoformat()}
    if previous is None:
        raise PermanentError(
            f"production of {args.project} fails its health check ({status or 'no answer'} on {args.path}) "
            "and no earlier production deployment exists to roll back to"
        )
    code.deployer.promote(token, args.project, previous.id, team)
    return out | {"healthy": False, "rolled_back_to": previous.id}


class _Rollback(NamedTuple):
    found: Deployment
    previous: Deployment | None
    current: Deployment | None
    token: str
    team: str | None


def _rollback(ctx: ToolContext, args: AwaitDeploymentArgs) -> _Rollback:
    """The production deployment named (READY), the one before it and what production serves now."""
    code = _code(ctx)
    found = ready(code, ctx.tenant_id, args.project, args.deployment_id)
    if found.target != "production":
        raise ModelFixableError(
            f"roll_back_production: {found.id} is a {found.target} deployment, not production"
        )
    team = code.allowed(ctx.tenant_id).vercel_team_id
    token = code.token(ctx.tenant_id, Integration.VERCEL)
    previous = code.deployer.previous_production(token, args.project, found.created_ms, team)
    return _Rollback(found, previous, code.deployer.production(token, args.project, team), token, team)


def roll_back_production(ctx: ToolContext, args: AwaitDeploymentArgs) -> Output:
    """Promotes back the production deployment that preceded ``deployment_id``, once the owner
    approved this very rollback (the console's action). Production serving that previous one already:
    found, nothing done again. Serving neither: refused, nothing done."""
    seen = _rollback(ctx, args)
    if seen.previous is None:
        raise PermanentError(
            f"no production deployment of {args.project} precedes {seen.found.id}: nothing rolled back"
        )
    if (found := find_rollback(ctx, args, seen)) is not None:
        return found
    if seen.current is None or seen.current.id != seen.found.id:
        serving = seen.current.id if seen.current else "nothing"
        raise PermanentError(
            f"production of {args.project} serves {serving}, not {seen.found.id}: nothing rolled back"
        )
    _code(ctx).deployer.promote(seen.token, args.project, seen.previous.id, seen.team)
    return {"project": args.project, "deployment_id": seen.found.id, "rolled_back_to": seen.previous.id}


def find_rollback(
    ctx: ToolContext, args: AwaitDeploymentArgs, seen: _Rollback | None = None
) -> Output | None:
    """The rollback already made (after a crash): production serves the deployment before this one."""
    seen = seen or _rollback(ctx, args)
    if seen.previous is None or seen.current is None or seen.current.id != seen.previous.id:
        return None
    return {
        "project": args.project,
        "deployment_id": seen.found.id,
        "rolled_back_to": seen.previous.id,
        "found": True,
    }


TOOLS = [
    Tool(
        "await_deployment",
        SideEffect.EXTERNAL,
        AwaitDeploymentArgs,
        "Wait until a Vercel deployment (deploy_vercel's id) is ready; an errored or canceled one "
        "fails the run. Output: id, url, state, target, sha.",
        await_deployment,
        uses_notion=False,
        targets=("project",),
    ),
    Tool(
        "merge_pull_request",
        SideEffect.CODE,
        MergeArgs,
        "Squash-merge a pull request this run opened (its branch) at its head sha (head_sha), after "
        "the owner approved; name its preview (project, deployment id): the owner is asked once it "
        "is ready. Output: repository, number, url, sha, merged, merge_sha.",
        merge_pull_request,
        uses_notion=False,
        find=find_merge,
        targets=("repository", "branch"),
        before_asking=merge_facts,
        unasked=auto_merge,
    ),
    Tool(
        "roll_back_production",
        SideEffect.CODE,
        AwaitDeploymentArgs,
        "Roll production back to the deployment before a production deployment (the owner approves "
        "it; the console's roll back action plans it). Output: rolled_back_to.",
        roll_back_production,
        uses_notion=False,
        find=find_rollback,
        targets=("project", "deployment_id"),
    ),
    Tool(
        "check_production",
        SideEffect.EXTERNAL,
        CheckProductionArgs,
        "Health-check a production deployment this run made (deploy_vercel target production, "
        "once merged) on a path; when it fails, production is rolled back to the deployment before "
        "it. Output: healthy, status, url, rolled_back_to (when rolled back).",
        check_production,
        uses_notion=False,
        targets=("project",),
    ),
]
