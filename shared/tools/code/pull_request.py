"""Tools that change code outside Notion: a GitHub pull request (a GitLab merge request), a Vercel deploy.

They run in the ``deploy`` function (the only one holding the tenant's GitHub and Vercel tokens),
after an intent is recorded. After a crash they are found again by the call's key: the pull request
by its branch (named from the key), the deployment by the key stored in its metadata. Only the
repositories and projects the owner listed can be touched; production always waits for a person's
approval. Past the limit: one job, the code tools' calls and their crash recovery.
"""

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, model_validator

from shared.code.domain.code import (
    CodeChange,
    Deployment,
    DeployRequest,
    PullRequest,
    check_base,
    check_distinct_paths,
    check_not_blank,
    check_ref,
    overall,
)
from shared.code.domain.github_events import BRANCH_PREFIX, body_marker
from shared.code.domain.revisions import revised_run
from shared.code.domain.secret_findings import BODY, COMMIT, TITLE
from shared.platform.errors import ConfigError, ModelFixableError, PermanentError, TransientError
from shared.runs.domain.page_links import known_urls, page_link
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext, build, idempotency_key
from shared.tools.code.files import (
    FileArgs,
    checked_by,
    files_section,
    no_secrets,
    resolve_files,
    tests_line,
    tests_of,
)
from shared.workspace.domain.code_names import check_code_repository, check_project
from shared.workspace.domain.integrations import Integration

if TYPE_CHECKING:
    from shared.code.ports import CodeAccess


def _code(ctx: ToolContext, repository: str = "") -> "CodeAccess":
    """The code access; for ``repository``, bound to its forge (GitHub, or GitLab: decision 0126)."""
    if ctx.code is None:
        raise ConfigError("code tools run in the deploy function only")
    return ctx.code.on(ctx.tenant_id, repository) if repository else ctx.code


def branch_for(key: str) -> str:
    """The pull request's branch, named from the call's key so a repeat finds it."""
    return BRANCH_PREFIX + key.replace(":", "-")


MAX_CHANGE_CHARS = 300_000  # a call's arguments are stored in its events (Firestore: 1 MiB a document)


# The arguments are checked as CodeChange and DeployRequest check them (shared.code.domain.code), when the
# plan is made and again, resolved, before the step's intent. What GitHub or Vercel would refuse is
# the model's to fix, never an error the step would meet on every retry.
_checked_by = checked_by


class OpenPullRequestArgs(Args):  # its fields in their order, required or not
    repository: Annotated[
        str,
        Field(min_length=3, max_length=201, description="owner/name, one the owner allowed"),
        _checked_by(check_code_repository),
    ]
    title: Annotated[str, Field(min_length=1, max_length=256), _checked_by(check_not_blank)]
    body: Annotated[str, Field(max_length=59_000)] = ""  # + the ref line, within GitHub's 60,000
    files: Annotated[list[FileArgs], Field(min_length=1, max_length=100, description="each path once")]
    base: Annotated[
        str,
        Field(max_length=255, description="target branch; empty: the default branch"),
        _checked_by(check_base),
    ] = ""
    draft: Annotated[
        bool, Field(description="open it as a draft, made ready by await_checks once its checks pass")
    ] = False

    @model_validator(mode="after")
    def _bounded_and_distinct(self) -> Self:
        if sum(f.size for f in self.files) > MAX_CHANGE_CHARS:
            raise ValueError(
                f"the files hold more than {MAX_CHANGE_CHARS} characters in all; split the change"
            )
        check_distinct_paths(f.path for f in self.files)  # unresolved: the same text is the same path
        no_secrets(self.repository, self.files, {TITLE: self.title, BODY: self.body, COMMIT: self.title})
        return self


def _pull_output(pr: PullRequest, repository: str) -> Output:
    return {
        "repository": repository,
        "number": pr.number,
        "url": pr.url,
        "branch": pr.branch,
        "head_sha": pr.head_sha,
    }


def _allowed_repository(ctx: ToolContext, repository: str) -> None:
    allowed = _code(ctx).allowed(ctx.tenant_id).github_repositories
    if repository not in allowed:
        raise ModelFixableError(
            f"repository {repository!r} is not one the owner allowed; use one of {allowed}"
            if allowed
            else "the owner allowed no GitHub repository (settings: github_repositories)"
        )


def pull_request_body(ctx: ToolContext, body: str) -> str:
    """The description: the model's ``body``, then (written by code) the link of the page the run
    started from: the url Notion gave it, else Notion's web address by its id. Then the signature and the hidden
    key that finds the run again (decisions 0108, 0124)."""
    link = page_link(ctx.page_id, known_urls([(ctx.page_id, ctx.page_url)]), web=ctx.notion_web)
    page = f"From the Notion page {link}\n" if link else ""
    return f"{body}\n\n{page}Opened by Notion Agent\n{body_marker(ctx.key)}".strip()


SCANNED = (
    "The secret scan found no secret in its files, their paths, its title, description or commit "
    "message (as written, joined across lines, or decoded from base64 or hex)."
)


def _pull_change(ctx: ToolContext, args: OpenPullRequestArgs) -> tuple["CodeAccess", str, CodeChange]:
    """The code access, its token and the change ``open_pull_request`` would push, built as it is
    pushed: the files' hunks applied to the base, the description with what code adds."""
    if revised_run(ctx.run_id):  # decision 0127: a revision goes on its pull request's branch
        raise ModelFixableError("open_pull_request: a revision run opens no pull request; use push_revision")
    _allowed_repository(ctx, args.repository)
    code = _code(ctx, args.repository)
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    files, actions = resolve_files(
        "open_pull_request", code.host, token, args.repository, args.files, base=args.base
    )
    tested = tests_of(code, ctx.tenant_id, token, args.repository, args.base)
    fields = {
        "repository": args.repository,
        "base": args.base,
        "branch": branch_for(ctx.key),
        "title": args.title,
        "body": pull_request_body(ctx, f"{args.body}\n\n{files_section(actions)}\n\n{tests_line(*tested)}"),
        "commit_message": args.title,
        "files": files,
        "draft": args.draft,
    }
    return code, token, build("open_pull_request", CodeChange, fields)  # e.g. a base that is its branch


def pull_request_scanned(ctx: ToolContext, args: OpenPullRequestArgs) -> str:
    """Before the owner is asked (``Tool.before_asking``): the secret scan of the change as it would
    be pushed. A secret found fails the step naming its kind and place; nobody is asked."""
    code, _, change = _pull_change(ctx, args)
    code.check_secrets(change, before_asking=True)
    return SCANNED


def open_pull_request(ctx: ToolContext, args: OpenPullRequestArgs) -> Output:
    code, token, change = _pull_change(ctx, args)
    code.check_push(ctx.tenant_id, change, ctx.approved)  # the policy and the secret scan, before any push
    pr = code.host.open_pull_request(token, change)
    return _pull_output(pr, args.repository)


def find_pull_request(ctx: ToolContext, args: OpenPullRequestArgs) -> Output | None:
    code = _code(ctx, args.repository)
    if args.repository not in code.allowed(ctx.tenant_id).github_repositories:
        return None  # never opened there: open_pull_request refuses it for the model to fix, unread
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    pr = code.host.find_pull_request(token, args.repository, branch_for(ctx.key))
    return _pull_output(pr, args.repository) if pr else None


class DeployArgs(Args):
    project: Annotated[
        str,
        Field(min_length=1, max_length=100, description="a Vercel project the owner allowed"),
        _checked_by(check_project),
    ]
    repository: Annotated[
        str,
        Field(
            min_length=3,
            max_length=201,
            description="owner/name of the project's repository (an allowed one)",
        ),
        _checked_by(check_code_repository),
    ]
    ref: Annotated[
        str,
        Field(min_length=1, max_length=255, description="branch or commit to deploy"),
        _checked_by(check_ref),
    ]
    target: Literal["preview", "production"] = "preview"


def _deploy_output(deployment: Deployment) -> Output:
    return {
        "id": deployment.id,
        "url": deployment.url,
        "state": deployment.state,
        "target": deployment.target,
    }


def deploy_vercel(ctx: ToolContext, args: DeployArgs) -> Output:
    """A Vercel deployment of ``args.ref`` of an allowed repository to an allowed project: from GitHub,
    or from the GitLab project its policy names (decision 0133). Production only once approved."""
    code = _code(ctx)
    settings = code.allowed(ctx.tenant_id)
    allowed = settings.vercel_projects
    if args.project not in allowed:
        raise ModelFixableError(
            f"project {args.project!r} is not one the owner allowed; use one of {allowed}"
            if allowed
            else "the owner allowed no Vercel project (settings: vercel_projects)"
        )
    if args.target == "production" and not ctx.approved:
        raise ModelFixableError("a production deployment needs a person's approval first (request_approval)")
    fields = {
        "project": args.project,
        "repository": args.repository,
        "ref": args.ref,
        "target": args.target,
        "key": ctx.key,
        "team_id": settings.vercel_team_id,
    }
    build("deploy_vercel", DeployRequest, fields)
    _allowed_repository(ctx, args.repository)  # Vercel builds what it is given: only an allowed source
    gitlab = code.gitlab_project_id(ctx.tenant_id, args.repository)  # a GitLab project: by its id
    request = build("deploy_vercel", DeployRequest, fields | {"gitlab_project_id": gitlab})
    deployment = code.deployer.create_deployment(code.token(ctx.tenant_id, Integration.VERCEL), request)
    return _deploy_output(deployment)


def preview_unasked(ctx: ToolContext, args: DeployArgs) -> str | None:
    """Why a preview deployment runs without asking (docs/deploy.md: previews do not wait; decision
    0148), else None and the owner is asked. It runs unasked when it builds the branch of a pull request
    this run opened (or, in a revision run, the run it revises opened). The owner approved every commit
    of that branch at its step, its diff shown. Production, and a preview of any other branch or
    commit, are asked for."""
    if args.target != "preview":
        return None
    try:
        _own_branch(ctx, "deploy_vercel", args.ref)
    except ModelFixableError:
        return None
    return (
        f"a preview of {args.ref}, the branch of this run's pull request, whose changes you approved "
        "at their own steps: previews do not wait"
    )


def find_deployment(ctx: ToolContext, args: DeployArgs) -> Output | None:
    code = _code(ctx)
    team_id = code.allowed(ctx.tenant_id).vercel_team_id
    found = code.deployer.find_deployment(
        code.token(ctx.tenant_id, Integration.VERCEL), args.project, ctx.key, team_id
    )
    return _deploy_output(found) if found else None


FILES_HELP = (
    "Each file: {path, why, edits: [{search, replace}]} to patch an existing file (search: its exact "
    "current lines, found once; read them with read_repository first), or {path, content} for a new file; "
    "rewrite: true replaces an existing file whole."
)
FIX_TRAILER = "Notion-Agent-Fix: "
CHECK_DETAILS_CHARS = 1_500  # of each failing check's output, for the model to fix it
POLL_S = 30.0  # how often a run looks at checks no webhook has reported yet
# The soonest look again (a commit's checks often end seconds after its push); past the settings'
# step_retry_inline_s (10 s), so it is a scheduled look, not the queue's backoff.
FIRST_LOOK_S = 12.0
_FAILING_MARK = "\n\n---\nChecks failing"


def _own_branch(ctx: ToolContext, tool: str, branch: str) -> None:
    """``branch`` is one this run opened (``branch_for`` of one of its keys), or, in a revision run
    (decision 0127), one the run it revises opened; else ModelFixableError."""
    runs = [ctx.run_id, *filter(None, [revised_run(ctx.run_id)])]
    owned = [re.escape(branch_for(idempotency_key(ctx.tenant_id, r, 0, 0))[: -len("0-0")]) for r in runs]
    if not any(re.fullmatch(own + r"\d+-\d+", branch) for own in owned):
        raise ModelFixableError(
            f"{tool}: branch {branch!r} is not one this run opened; use its pull request's branch"
        )


class AwaitChecksArgs(Args):
    repository: Annotated[
        str,
        Field(min_length=3, max_length=201, description="owner/name of the pull request's repository"),
        _checked_by(check_code_repository),
    ]
    branch: Annotated[
        str,
        Field(min_length=1, max_length=255, description="the branch of a pull request this run opened"),
        _checked_by(check_ref),
    ]


class PushFixArgs(AwaitChecksArgs):  # the same pull request, by its repository and branch
    message: Annotated[str, Field(min_length=1, max_length=200), _checked_by(check_not_blank)]
    files: Annotated[list[FileArgs], Field(min_length=1, max_length=100, description="each path once")]

    @model_validator(mode="after")
    def _bounded_and_distinct(self) -> Self:
        if sum(f.size for f in self.files) > MAX_CHANGE_CHARS:
            raise ValueError(f"the files hold more than {MAX_CHANGE_CHARS} characters in all; split the fix")
        check_distinct_paths(f.path for f in self.files)
        no_secrets(self.repository, self.files, {COMMIT: self.message})
        return self


def _fix_change(
    ctx: ToolContext, args: PushFixArgs, trailer: str = FIX_TRAILER, tool: str = "push_fix"
) -> CodeChange:
    """The commit a fix (or, by ``trailer``, a revision) makes on its branch, its key in the trailer;
    its files' hunks applied to the branch's current files (:func:`resolve_files`)."""
    code = _code(ctx, args.repository)
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    files, _ = resolve_files(tool, code.host, token, args.repository, args.files, branch=args.branch)
    fields = {
        "repository": args.repository,
        "branch": args.branch,
        "title": args.message,
        "commit_message": f"{args.message}\n\n{trailer}{ctx.key}",
        "files": files,
    }
    return build(tool, CodeChange, fields)


def _fixes(
    code: "CodeAccess",
    token: str,
    repository: str,
    branch: str,
    limit: int,
    *,
    trailer: str = FIX_TRAILER,
    tool: str = "push_fix",
) -> list[str]:
    """The keys of the fixes (or, by ``trailer``, revisions) pushed on ``branch`` (its newest commits'
    trailers), newest first."""
    pr = code.host.find_pull_request(token, repository, branch)
    if pr is None or pr.state != "open":
        raise ModelFixableError(f"{tool}: no open pull request from {branch!r} in {repository}")
    commits = code.host.recent_commits(token, repository, pr.head_sha, limit + 20)
    return [
        line.removeprefix(trailer)
        for _, msg, _ in commits
        for line in msg.splitlines()
        if line.startswith(trailer)
    ]


def push_fix(ctx: ToolContext, args: PushFixArgs) -> Output:
    """A commit of ``files`` on a pull request this run opened, after its checks failed: scanned and
    held to the repository's policy as the pull request was. At most the policy's ``fix_attempts``
    fixes a branch (past them: the run fails, the pull request stays a draft)."""
    _own_branch(ctx, "push_fix", args.branch)
    _allowed_repository(ctx, args.repository)
    code = _code(ctx, args.repository)
    change = _fix_change(ctx, args)
    code.check_push(ctx.tenant_id, change, ctx.approved)
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    limit = code.policy(ctx.tenant_id, args.repository).fix_attempts
    done = _fixes(code, token, args.repository, args.branch, limit)
    if ctx.key not in done and len(done) >= limit:
        raise PermanentError(
            f"the checks of {args.branch} still fail after {len(done)} fixes, the most this repository's "
            "policy allows (fix_attempts): the pull request stays a draft"
        )
    head = code.host.push_files(token, change)
    return {
        "repository": args.repository,
        "branch": args.branch,
        "head_sha": head,
        "fixes": len(set(done) | {ctx.key}),
    }


def find_fix(ctx: ToolContext, args: PushFixArgs) -> Output | None:
    """The fix already pushed under this call's key, if any (its commit's trailer)."""
    code = _code(ctx, args.repository)
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    limit = code.policy(ctx.tenant_id, args.repository).fix_attempts
    done = _fixes(code, token, args.repository, args.branch, limit)
    if ctx.key not in done:
        return None
    pr = code.host.find_pull_request(token, args.repository, args.branch)
    head = pr.head_sha if pr else ""
    return {"repository": args.repository, "branch": args.branch, "head_sha": head, "fixes": len(set(done))}


def _compact(details: str) -> str:
    """A failing check's output for the model: its last lines, at most CHECK_DETAILS_CHARS."""
    lines = [line.rstrip() for line in details.splitlines() if line.strip()]
    return "\n".join(lines)[-CHECK_DETAILS_CHARS:]


def _body_naming(body: str, failing: list[str], words: str) -> str:
    kept = body.split(_FAILING_MARK, 1)[0]
    return f"{kept}{_FAILING_MARK} ({words}): {', '.join(failing)}. The pull request stays a draft."


def _next_look(waited: float) -> float:
    """When to look again at checks still running ``waited`` seconds after the push: as long again,
    at least FIRST_LOOK_S, at most POLL_S. Quick checks are seen in seconds, slow ones every 30 s."""
    return min(POLL_S, max(FIRST_LOOK_S, waited))


def await_checks(ctx: ToolContext, args: AwaitChecksArgs) -> Output:
    """Waits, durably, for the checks of the pull request's head commit: until they all completed a
    TransientError retried later (no instance held; a webhook delivery wakes it sooner). All passed:
    the pull request is marked ready for review. One failed, or still running past the policy's
    ``checks_wait_s`` after the commit: it stays a draft whose description names them, and the output
    gives each failing check's compact output, for a fix (push_fix) while ``fixes_left``."""
    _own_branch(ctx, "await_checks", args.branch)
    _allowed_repository(ctx, args.repository)
    code = _code(ctx, args.repository)
    token = code.token(ctx.tenant_id, Integration.GITHUB)
    policy = code.policy(ctx.tenant_id, args.repository)
    pr = code.host.find_pull_request(token, args.repository, args.branch)
    if pr is None or pr.state != "open":
        raise ModelFixableError(
            f"await_checks: no open pull request from {args.branch!r} in {args.repository}"
        )
    results = code.host.checks(token, args.repository, pr.head_sha)
    state = overall(results)
    [(_, _, pushed_at)] = code.host.recent_commits(token, args.repository, pr.head_sha, 1)
    waited = (datetime.now(UTC) - datetime.fromisoformat(pushed_at)).total_seconds()
    if state == "pending" and waited < policy.checks_wait_s:
        raise TransientError(
            f"await_checks: the checks of {pr.head_sha[:7]} are still running",
            min(_next_look(waited), policy.checks_wait_s - waited + 1),
        )
    fixes = len(_fixes(code, token, args.repository, args.branch, policy.fix_attempts))
    out: Output = {
        "repository": args.repository,
        "number": pr.number,
        "url": pr.url,
        "head_sha": pr.head_sha,
        "checks": [{"name": r.name, "state": r.state} for r in results],
        "fixes_left": max(0, policy.fix_attempts - fixes),
    }
    if state == "success":
        code.host.mark_ready(token, args.repository, pr.number)
        return out | {"state": "success", "ready": True}
    if state == "failure":
        failing = [r for r in results if r.state == "failure"]
        named, words = [r.name for r in failing], "failed"
    else:
        failing = [r for r in results if r.state == "pending"]
        named, words = (
            [r.name for r in failing] or ["(none reported)"],
            f"still running after {policy.checks_wait_s} s",
        )
    current = code.host.get_pull_request(token, args.repository, pr.number)
    body = _body_naming(current.body, named, words)
    code.host.set_pull_request_body(token, args.repository, pr.number, body)
    failures = [{"name": r.name, "output": _compact(r.details)} for r in failing]
    command, source = tests_of(code, ctx.tenant_id, token, args.repository, args.branch)
    return out | {
        "test_command": {"command": command, "from": source},
        "state": "failure" if state == "failure" else "timed_out",
        "ready": False,
        "failing": failures,
    }


TOOLS = [
    Tool(
        "open_pull_request",
        SideEffect.CODE,
        OpenPullRequestArgs,
        "Open a GitHub pull request in an allowed repository: one branch, one commit with the files. "
        + FILES_HELP
        + " Output: repository, number, url, branch, head_sha.",
        open_pull_request,
        uses_notion=False,
        find=find_pull_request,
        targets=("repository",),
        before_asking=pull_request_scanned,
    ),
    Tool(
        "deploy_vercel",
        SideEffect.CODE,
        DeployArgs,
        "Start a Vercel deployment of an allowed project from a branch or commit (e.g. a pull "
        "request's branch); production only after a person approved. Output: id, url, state, target.",
        deploy_vercel,
        uses_notion=False,
        find=find_deployment,
        targets=("project", "repository", "target"),
        unasked=preview_unasked,
    ),
    Tool(
        "push_fix",
        SideEffect.CODE,
        PushFixArgs,
        "Push a fix (files, one commit) to the branch of a pull request this run opened, after "
        "await_checks reported failing checks. "
        + FILES_HELP
        + " Output: repository, branch, head_sha, fixes.",
        push_fix,
        uses_notion=False,
        find=find_fix,
        targets=("repository", "branch"),
    ),
    Tool(
        "await_checks",
        SideEffect.EXTERNAL,
        AwaitChecksArgs,
        "Wait for the checks of a pull request this run opened (its branch); all passed: it is "
        "marked ready for review; else it stays a draft naming them. Output: state (success, "
        "failure, timed_out), ready, checks, failing (name, output), test_command, fixes_left.",
        await_checks,
        uses_notion=False,
        targets=("repository", "branch"),
    ),
]
