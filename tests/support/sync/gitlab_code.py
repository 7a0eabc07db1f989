"""A code run on a GitLab project (decision 0126), for the integration and red-team tests: the GitLab
sandbox over HTTP with a pipeline job that really runs, the workspace's GitLab connection in the
Firestore emulator, and the engine's two functions (tests/support/engine/deploy_steps.py) whose
repository policy names GitLab."""

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from local.code_sandbox.testing import Admin
from local.gitlab_sandbox import GitLabSandbox, GitLabServer
from local.gitlab_sandbox.app import PROJECT_ID, TOKEN
from shared.bootstrap.sync import gitlab_code_hosts
from shared.platform.adapters.pacing import Pacer
from shared.sync.adapters.firestore_sync import FirestoreGitLabSync
from shared.sync.adapters.gitlab import GitLabRest
from shared.sync.domain.connection import GitLabConnection, key_secret
from shared.tools.base import idempotency_key
from shared.tools.code.pull_request import branch_for
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from tests.engine_fakes import FakeModel
from tests.support.code.release_steps import Clock, drive
from tests.support.engine.deploy_steps import VERCEL_TOKEN, Pair

PROJECT = "demo/tasks"  # the sandbox's project, as the owner lists it
VERCEL_PROJECT = "tasks"  # the Vercel project that deploys it
NO_CODE_SANDBOX = "http://127.0.0.1:9"  # nothing listens there: GitHub and Vercel never reached
# The project's pipeline job: VERSION must say 2.
CHECK = [
    sys.executable,
    "-c",
    "import sys; v = open('VERSION').read(); print('VERSION is', v); sys.exit(v != '2\\n')",
]
TOOLS = ["open_pull_request", "await_checks", "push_fix", "merge_pull_request", "finish"]
BRANCH = "${steps.1.branch}"


def version(text: str, rewrite: bool = False) -> list[dict[str, Any]]:
    return [{"path": "VERSION", "content": text} | ({"rewrite": True} if rewrite else {})]


OPEN = ("open_pull_request", {"repository": PROJECT, "title": "Bump", "files": version("1\n"), "draft": True})
AWAIT = ("await_checks", {"repository": PROJECT, "branch": BRANCH})
FIX = (
    "push_fix",
    {"repository": PROJECT, "branch": BRANCH, "message": "Fix VERSION", "files": version("2\n", True)},
)
MERGE = ("merge_pull_request", {"repository": PROJECT, "branch": BRANCH, "sha": "${steps.3.head_sha}"})
FINISH = ("finish", {"summary": "merged"})
# The release after the pipeline passed (steps 5-9): a preview of the branch, the merge once it is
# READY and smoke-checked, production from the merge commit, awaited, then its health check.
RELEASE_TOOLS = [*TOOLS, "deploy_vercel", "await_deployment", "check_production"]
DEPLOYED = {"project": VERCEL_PROJECT, "repository": PROJECT}
PREVIEW = ("deploy_vercel", DEPLOYED | {"ref": BRANCH})
MERGE_PREVIEWED = (
    "merge_pull_request",
    MERGE[1] | {"preview_project": VERCEL_PROJECT, "preview_deployment": "${steps.5.id}"},
)
PRODUCTION = ("deploy_vercel", DEPLOYED | {"ref": "${steps.6.merge_sha}", "target": "production"})
AWAIT_PRODUCTION = ("await_deployment", {"project": VERCEL_PROJECT, "deployment_id": "${steps.7.id}"})
HEALTH = (
    "check_production",
    {"project": VERCEL_PROJECT, "deployment_id": "${steps.7.id}", "path": "/api/health"},
)
RELEASE: list[tuple[str, dict[str, Any]]] = [
    OPEN,
    AWAIT,
    FIX,
    AWAIT,
    PREVIEW,
    MERGE_PREVIEWED,
    PRODUCTION,
    AWAIT_PRODUCTION,
    HEALTH,
    FINISH,
]


def link_vercel(admin: Admin, api_url: str) -> None:
    """The code sandbox's Vercel project :data:`VERCEL_PROJECT`, linked to the GitLab sandbox's project
    at ``api_url`` (``.../api/v4``) and granted to the tests' Vercel token."""
    gitlab = {"project_id": PROJECT_ID, "api_url": api_url, "token": TOKEN}
    admin.vercel_project(VERCEL_PROJECT, PROJECT, gitlab=gitlab)
    admin.grant_vercel(VERCEL_TOKEN, ["site", VERCEL_PROJECT])


@contextmanager
def gitlab_code_pair(
    firestore_db: Any, model: FakeModel | None = None, vercel: tuple[str, Admin] | None = None
) -> Iterator[tuple[Pair, GitLabSandbox]]:
    """The engine's functions for a new workspace whose policy puts ``demo/tasks`` on GitLab, its
    GitLab connection (the sandbox) stored in the emulator; the sandbox's default branch holds
    a README only and its pipeline runs :data:`CHECK`. GitHub and Vercel are never reached, unless
    ``vercel`` is the code sandbox (its url, its admin): then its Vercel project :data:`VERCEL_PROJECT`
    deploys the GitLab project, and the owner allows it."""
    tenant = f"glmr-{uuid.uuid4().hex[:12]}"
    policy = CodePolicy(forge="gitlab", fix_attempts=2)
    settings = TenantSettings(
        github_repositories=[PROJECT],
        code_policies={PROJECT: policy},
        vercel_projects=[VERCEL_PROJECT] if vercel else [],
    )
    store = FirestoreGitLabSync(firestore_db)
    with GitLabServer() as server:
        server.sandbox.code.seed({"README.md": "demo\n"})
        server.sandbox.code.jobs_config = [{"name": "tests", "command": CHECK, "timeout_s": 20}]
        connection = GitLabConnection(
            data_source_id="ds",
            connected_at=datetime.now(UTC),
            base_url=server.url,
            project_id=PROJECT_ID,
            project_path=PROJECT,
            user_id=11,
        )
        store.save_connection(tenant, connection)
        if vercel is not None:
            link_vercel(vercel[1], server.url + "/api/v4")
        pair = Pair(
            vercel[0] if vercel else NO_CODE_SANDBOX, model or FakeModel(), allowed=settings, tenant=tenant
        )
        pair.step.secrets.put(key_secret(tenant, "gitlab"), TOKEN)
        api = GitLabRest(10.0, pacer=Pacer(1000.0, 1000, 5.0))
        assert pair.deploy.code is not None
        code = pair.deploy.code._replace(gitlab=gitlab_code_hosts(pair.step.secrets, store, api))
        pair.deploy = pair.deploy._replace(code=code)
        try:
            yield pair, server.sandbox
        finally:
            store.delete_connection(tenant)


def until_asked(pair: Pair, clock: Clock, lab: GitLabSandbox, step: int) -> Any:
    """The run driven one task at a time, the pipelines let finish after each, every request before
    ``step``'s approved: ``step``'s request, left waiting."""
    for _ in range(160):
        waiting = pair.state().waiting
        if waiting is not None and waiting.step == step:
            return waiting
        drive(pair, clock, limit=1)
        lab.code.pipelines_done()
    raise AssertionError(f"step {step} was never asked for: {pair.state().status}")


def run_branch(pair: Pair) -> str:
    """The branch the run's first step opens its merge request from."""
    return branch_for(idempotency_key(pair.tenant, "r1", 1))
