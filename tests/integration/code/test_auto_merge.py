"""Auto-merge (decision 0117) through the engine against the code sandbox: with the
repository's policy turning it on, a change whose every check passed inside the allowed paths merges
without asking, said in the run's log; with it off, or with a dependency file in the change, or no
check reported, the owner is asked as before."""

import sys
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.runs.domain.events import RunStatus, ToolResult
from shared.runs.services.runs import code_of
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from tests.support.code.release_steps import FINISH, MERGE, OPEN, PREVIEW, drive_checked, start
from tests.support.engine.deploy_steps import Pair, admin, sandbox
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

PASSING = [{"name": "tests", "command": [sys.executable, "-c", "print('ok')"], "timeout_s": 20}]


def settings(**policy: Any) -> TenantSettings:
    return TenantSettings(
        github_repositories=["acme/site"],
        vercel_projects=["site"],
        code_policies={"acme/site": CodePolicy(**policy)},
    )


def release(
    sandbox: str, admin: Admin, allowed: TenantSettings, files: list[dict[str, str]] | None = None
) -> Any:
    """The run (a pull request, its preview, the merge) driven to its end, every request approved:
    its pair, what the owner was asked, and the merge's result."""
    admin.builds(reads_to_ready=1)
    opened = (OPEN[0], OPEN[1] | {"files": files}) if files else OPEN
    pair = Pair(sandbox, FakeModel(), allowed=allowed)
    clock = start(pair, [opened, PREVIEW, MERGE, FINISH])
    driven = drive_checked(pair, clock, lambda: admin.checks_done("acme/site"))
    events = pair.step.store.list_events("t1", "r1")
    merged = [e.output for e in events if isinstance(e, ToolResult) and e.tool == "merge_pull_request"]
    return pair, [n for n, _ in driven.asked], merged


def test_a_change_passing_every_check_inside_the_allowed_paths_merges_without_asking(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.set_checks("acme/site", PASSING)
    pair, asked, [merged] = release(
        sandbox[0], admin, settings(auto_merge=True, allowed_paths=["VERSION", "src/*"])
    )
    assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
    assert asked == [1]  # the pull request; never its preview (decision 0148) nor the merge
    assert merged["merged"] is True
    said = merged["without_asking"]
    assert said.startswith("auto-merge: the policy of acme/site") and "files: VERSION" in said
    assert "is READY at" in said and "tests success" in said
    assert [p["merged"] for p in admin.repo("acme/site")["pulls"]] == [True]
    view = code_of("t1", "r1", pair.step.store, pair.step.tenants)  # what the console's code view shows
    assert view["merge"]["without_asking"] == said and [a["step"] for a in view["approvals"]] == [1]
    [version] = view["files"]
    assert (version["path"], version["status"], version["base_known"]) == ("VERSION", "added", True)
    assert [(x["op"], x["text"]) for x in version["lines"]] == [("+", "2")]  # a new file at the base
    assert [(c["name"], c["state"]) for c in view["checks"]] == []  # this run never awaited its checks
    # The merge found the preview READY (code refuses it before), not its first look, QUEUED
    assert [(d["target"], d["state"]) for d in view["deployments"]] == [("preview", "READY")]


def test_with_auto_merge_off_by_default_the_owner_is_asked_to_merge(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.set_checks("acme/site", PASSING)
    _, asked, [merged] = release(sandbox[0], admin, settings())
    assert CodePolicy().auto_merge is False
    assert asked == [1, 3] and "without_asking" not in merged


def test_a_dependency_file_in_the_change_is_merged_only_once_the_owner_approves(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.set_checks("acme/site", PASSING)
    files = [{"path": "VERSION", "content": "2\n"}, {"path": "package.json", "content": "{}\n"}]
    _, asked, [merged] = release(sandbox[0], admin, settings(auto_merge=True), files)
    assert asked == [1, 3] and "without_asking" not in merged


def test_a_change_with_no_passing_check_is_never_merged_without_asking(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    _, asked, [merged] = release(sandbox[0], admin, settings(auto_merge=True))  # no check configured
    assert asked == [1, 3] and "without_asking" not in merged
