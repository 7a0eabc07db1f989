"""Tools that change code outside Notion: a GitHub pull request, a Vercel deployment.

They run in the ``deploy`` function (the only one holding the tenant's GitHub and Vercel tokens),
after an intent is recorded. After a crash they are found again by the call's key: the pull request
by its branch (named from the key), the deployment by the key stored in its metadata. Only the
repositories and projects the owner listed in the settings can be touched; a production deployment
is always preceded by a person's approval (``shared.engine.agent.plans``).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from shared.code.domain.code import (
    MAX_PATH_CHARS,
    CodeChange,
    Deployment,
    DeployRequest,
    PullRequest,
    check_base,
    check_content,
    check_distinct_paths,
    check_not_blank,
    check_path,
    check_ref,
)
from shared.platform.errors import ConfigError, ModelFixableError
from shared.tools.base import Args, Output, SideEffect, Tool, ToolContext, build, checked
from shared.workspace.domain.code_names import check_project, check_repository
from shared.workspace.domain.integrations import Integration

if TYPE_CHECKING:
    from shared.code.ports import CodeAccess

BRANCH_PREFIX = "notion-agent/"


def _code(ctx: ToolContext) -> "CodeAccess":
    if ctx.code is None:
        raise ConfigError("code tools run in the deploy function only")
    return ctx.code


def branch_for(key: str) -> str:
    """The pull request's branch, named from the call's key so a repeat finds it."""
    return BRANCH_PREFIX + key.replace(":", "-")


MAX_CHANGE_CHARS = 300_000  # a call's arguments are stored in its events (Firestore: 1 MiB a document)


# The arguments are checked as CodeChange and DeployRequest check them (shared.code.domain.code), when the
# plan is made and again, resolved, before the step's intent. What GitHub or Vercel would refuse is
# the model's to fix, never an error the step would meet on every retry.
def _checked_by(check: Callable[[str], str]) -> AfterValidator:
    return AfterValidator(lambda value: checked(value, check))


class FileArgs(Args):
    path: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_PATH_CHARS,
            description="relative to the repository root, e.g. docs/notes.md (no leading '/' or './')",
        ),
        _checked_by(check_path),
    ]
    content: Annotated[str, Field(max_length=100_000), _checked_by(check_content)]
    executable: Annotated[
        bool, Field(description="true for a new script; a file that was executable stays so")
    ] = False


class OpenPullRequestArgs(Args):  # its fields in their order, required or not
    repository: Annotated[
        str,
        Field(min_length=3, max_length=201, description="owner/name, one the owner allowed"),
        _checked_by(check_repository),
    ]
    title: Annotated[str, Field(min_length=1, max_length=256), _checked_by(check_not_blank)]
    body: Annotated[str, Field(max_length=59_000)] = ""  # + the ref line, within GitHub's 60,000
    files: Annotated[list[FileArgs], Field(min_length=1, max_length=100, description="each path once")]
    base: Annotated[
        str,
        Field(max_length=255, description="target branch; empty: the default branch"),
        _checked_by(check_base),
    ] = ""

    @model_validator(mode="after")
    def _bounded_and_distinct(self) -> Self:
        if sum(len(f.content) for f in self.files) > MAX_CHANGE_CHARS:
            raise ValueError(
                f"the files hold more than {MAX_CHANGE_CHARS} characters in all; split the change"
            )
        check_distinct_paths(f.path for f in self.files)  # unresolved: the same text is the same path
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


def open_pull_request(ctx: ToolContext, args: OpenPullRequestArgs) -> Output:
    _allowed_repository(ctx, args.repository)
    code = _code(ctx)
    fields = {
        "repository": args.repository,
        "base": args.base,
        "branch": branch_for(ctx.key),
        "title": args.title,
        "body": f"{args.body}\n\nOpened by Notion Agent · ref {ctx.key}".strip(),
        "commit_message": args.title,
        "files": [{"path": f.path, "content": f.content, "executable": f.executable} for f in args.files],
    }
    change = build("open_pull_request", CodeChange, fields)  # e.g. a base that is the change's branch
    code.check_push(ctx.tenant_id, change, ctx.approved)  # the policy and the secret scan, before any push
    pr = code.host.open_pull_request(code.token(ctx.tenant_id, Integration.GITHUB), change)
    return _pull_output(pr, args.repository)


def find_pull_request(ctx: ToolContext, args: OpenPullRequestArgs) -> Output | None:
    code = _code(ctx)
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
        _checked_by(check_repository),
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
    request = build("deploy_vercel", DeployRequest, fields)
    _allowed_repository(ctx, args.repository)  # Vercel builds what it is given: only an allowed source
    deployment = code.deployer.create_deployment(code.token(ctx.tenant_id, Integration.VERCEL), request)
    return _deploy_output(deployment)


def find_deployment(ctx: ToolContext, args: DeployArgs) -> Output | None:
    code = _code(ctx)
    team_id = code.allowed(ctx.tenant_id).vercel_team_id
    found = code.deployer.find_deployment(
        code.token(ctx.tenant_id, Integration.VERCEL), args.project, ctx.key, team_id
    )
    return _deploy_output(found) if found else None


TOOLS = [
    Tool(
        "open_pull_request",
        SideEffect.CODE,
        OpenPullRequestArgs,
        "Open a GitHub pull request in an allowed repository: one branch, one commit with the files; "
        "output: repository, number, url, branch, head_sha.",
        open_pull_request,
        uses_notion=False,
        find=find_pull_request,
        targets=("repository",),
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
    ),
]
