"""Stored documents, events and task bodies written by earlier code read back unchanged.

The fixtures under ``tests/golden/`` were written by the code of their commit (``make_golden``); each is
read here by today's models and written back as the adapters store it.
"""

import json
from pathlib import Path

import pytest

from shared.runs.domain.events import HumanRequested, event_of
from shared.runs.domain.state import RunState
from tests.golden.kinds import kinds, stored

GOLDEN = Path(__file__).parents[2] / "golden"
KINDS = kinds()


def _fixture(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((GOLDEN / f"{name}.json").read_text())
    return loaded


def test_every_kind_has_its_fixture_and_every_fixture_its_kind() -> None:
    written = {p.stem for p in GOLDEN.glob("*.json") if not p.stem.startswith("legacy.")}
    assert written == set(KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_stored_kind_reads_back_unchanged(name: str) -> None:
    fixture = _fixture(name)
    _, read = KINDS[name]
    assert stored(read(fixture)) == fixture


def test_a_stored_event_ignores_the_ids_its_document_holds() -> None:
    fixture = _fixture("event.tool_result")
    assert stored(event_of(fixture | {"tenant_id": "t-1", "run_id": "run-1"})) == fixture


def test_a_limit_request_stored_before_budget_reads_its_budget_from_its_prompt() -> None:
    fixture = _fixture("legacy.human_requested_limit_without_budget")
    event = event_of(fixture)
    assert isinstance(event, HumanRequested)
    assert event.budget is True
    kept = {k: v for k, v in fixture.items() if k not in ("tenant_id", "run_id")}
    assert stored(event) == kept | {"budget": True}
    waiting = {k: fixture[k] for k in ("request_id", "purpose", "prompt", "step")}
    state = RunState.model_validate({"status": "waiting_for_human", "waiting": waiting})
    assert state.waiting is not None and state.waiting.budget is True
