"""The preview's smoke check before the merge is asked for, through the engine
against the code sandbox: a ready preview answering the paths of the repository's policy is named in
the merge's request with what they answered; one answering 500 fails the step, and the owner is never
asked to merge it. The paths are the owner's, never the tool call's (a call naming them is refused)."""

from typing import Any

import pytest
from pydantic import ValidationError

from local.code_sandbox.testing import Admin
from shared.runs.domain.events import RunStatus
from shared.tools.code.release import MergeArgs
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from tests.support.code.release_steps import FINISH, MERGE, OPEN, PREVIEW, drive, start
from tests.support.engine.deploy_steps import Pair, admin, sandbox
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

SMOKED = TenantSettings(
    github_repositories=["acme/site"],
    vercel_projects=["site"],
    code_policies={"acme/site": CodePolicy(smoke_paths=["/", "/api/health"])},
)


def test_the_merge_is_asked_with_what_the_ready_preview_answered(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1)
    pair = Pair(sandbox[0], FakeModel(), allowed=SMOKED)
    driven = drive(pair, start(pair, [OPEN, PREVIEW, MERGE, FINISH]))
    assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
    [(_, prompt)] = [(n, p) for n, p in driven.asked if n == 3]
    assert "smoke check: / answered 200, /api/health answered 200" in prompt
    assert admin.repo("acme/site")["pulls"][0]["merged"] is True


def test_a_preview_failing_its_smoke_check_fails_the_run_and_asks_nothing(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1, healthy=False)
    pair = Pair(sandbox[0], FakeModel(), allowed=SMOKED)
    driven = drive(pair, start(pair, [OPEN, PREVIEW, MERGE, FINISH]))
    state = pair.state()
    assert state.status == RunStatus.FAILED
    assert "fails its smoke check (/ answered 500; /api/health answered 500)" in state.summary
    assert [n for n, _ in driven.asked] == [1]  # the pull request; its preview is not asked (0148)
    assert admin.repo("acme/site")["pulls"][0]["merged"] is False


def test_the_default_policy_smoke_checks_the_root_and_a_call_cannot_name_its_own_paths(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1)
    pair = Pair(sandbox[0], FakeModel())
    driven = drive(pair, start(pair, [OPEN, PREVIEW, MERGE, FINISH]))
    [(_, prompt)] = [(n, p) for n, p in driven.asked if n == 3]
    assert "smoke check: / answered 200." in prompt
    own: tuple[str, dict[str, Any]] = (MERGE[0], MERGE[1] | {"smoke_paths": ["/elsewhere"]})
    with pytest.raises(ValidationError, match="smoke_paths"):
        MergeArgs.model_validate(own[1])
