"""The code tools' routing table and their argument limits."""

import pytest
from pydantic import ValidationError

from shared.agent.tools import REGISTRY, SideEffect
from shared.agent.tools.code import MAX_CHANGE_CHARS, OpenPullRequestArgs, branch_for
from shared.domain.integrations import DEPLOY_TOOLS


def test_the_deploy_routing_table_is_exactly_the_code_tools() -> None:
    assert {t.name for t in REGISTRY.values() if t.effect == SideEffect.CODE} == DEPLOY_TOOLS


def test_a_change_is_bounded_so_its_events_fit_in_firestore() -> None:
    file = {"path": "a.md", "content": "x" * 100_000}
    with pytest.raises(ValidationError, match="split the change"):
        OpenPullRequestArgs(
            repository="acme/site", title="t", files=[file] * (MAX_CHANGE_CHARS // 100_000 + 1)
        )
    assert OpenPullRequestArgs(
        repository="acme/site", title="t", files=[file | {"path": f"f{i}.md"} for i in range(3)]
    )


def test_the_branch_is_named_from_the_key() -> None:
    assert branch_for("run-1:4:1") == "notion-agent/run-1-4-1"
