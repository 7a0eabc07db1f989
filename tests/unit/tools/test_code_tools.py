"""The code tools' routing table and their argument limits."""

import pytest
from pydantic import ValidationError as Invalid

from shared.tools import REGISTRY, SideEffect
from shared.tools.code.files import FileArgs
from shared.tools.code.pull_request import MAX_CHANGE_CHARS, OpenPullRequestArgs, branch_for
from shared.workspace.domain.integrations import DEPLOY_TOOLS


def test_the_deploy_routing_table_is_exactly_the_code_tools() -> None:
    code = {t.name for t in REGISTRY.values() if t.effect == SideEffect.CODE}
    # the external ones read GitHub or Vercel with the tenant's token: checks, deployments, health
    assert (
        code | {"await_checks", "await_deployment", "check_production", "await_review", "read_repository"}
        == DEPLOY_TOOLS
    )


def test_a_change_is_bounded_so_its_events_fit_in_firestore() -> None:
    file = FileArgs(path="a.md", content="x" * 100_000)
    with pytest.raises(Invalid, match="split the change"):
        OpenPullRequestArgs(
            repository="acme/site", title="t", files=[file] * (MAX_CHANGE_CHARS // 100_000 + 1)
        )
    files = [FileArgs(path=f"f{i}.md", content=file.content) for i in range(3)]
    assert OpenPullRequestArgs(repository="acme/site", title="t", files=files)


def test_the_branch_is_named_from_the_key() -> None:
    assert branch_for("run-1:4:1") == "notion-agent/run-1-4-1"
