"""The preview's smoke check before the merge is asked for (issue 68, point 5), through the engine
against the code sandbox: a ready preview answering its paths is named in the merge's request with
what they answered; one answering 500 fails the step, and the owner is never asked to merge it."""

from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.runs.domain.events import RunStatus
from tests.engine_fakes import FakeModel
from tests.support.code.release_steps import FINISH, MERGE, OPEN, PREVIEW, drive, start
from tests.support.engine.deploy_steps import Pair, admin, sandbox

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

SMOKED: tuple[str, dict[str, Any]] = (MERGE[0], MERGE[1] | {"smoke_paths": ["/", "/api/health"]})


def test_the_merge_is_asked_with_what_the_ready_preview_answered(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1)
    pair = Pair(sandbox[0], FakeModel())
    driven = drive(pair, start(pair, [OPEN, PREVIEW, SMOKED, FINISH]))
    assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
    [(_, prompt)] = [(n, p) for n, p in driven.asked if n == 3]
    assert "smoke check: / answered 200, /api/health answered 200" in prompt
    assert admin.repo("acme/site")["pulls"][0]["merged"] is True


def test_a_preview_failing_its_smoke_check_fails_the_run_and_asks_nothing(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1, healthy=False)
    pair = Pair(sandbox[0], FakeModel())
    driven = drive(pair, start(pair, [OPEN, PREVIEW, SMOKED, FINISH]))
    state = pair.state()
    assert state.status == RunStatus.FAILED
    assert "fails its smoke check (/ answered 500; /api/health answered 500)" in state.summary
    assert [n for n, _ in driven.asked] == [1, 2]  # the pull request and the preview, never the merge
    assert admin.repo("acme/site")["pulls"][0]["merged"] is False
