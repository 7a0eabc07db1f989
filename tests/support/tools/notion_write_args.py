"""Shared by several test modules: helpers first written for ``tests/unit/tools/test_notion_write_args.py``."""

import json
from typing import Any

from shared.runs.domain.events import PlannedStep, RunPlanned
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

DONE = {"Status": {"status": {"name": "Done"}}}


def planned(
    notion: FakeNotion, page: str, *steps: tuple[str, dict[str, Any]], fixes: list[Any] | None = None
) -> Deps:
    """A run about ``page`` planned with ``steps`` as they are (created as planning creates it, so no
    approval is inserted whatever the planner's risk rules); ``fixes``: the model's argument repairs."""
    model = FakeModel({"ArgsFix": fixes or [], "Draft": []})
    deps = make_deps(model=model, notion=notion)
    head = RunPlanned(
        seq=1,
        at=deps.clock(),
        goal="g",
        trigger="api",
        steps=[PlannedStep(tool=t, args=a) for t, a in steps],
        tools=sorted({t for t, _ in steps}),
        page_id=page,
    )
    assert deps.store.create_run("t1", "r1", [head])
    return deps


def planned_update(notion: FakeNotion, page: str, properties: dict[str, Any]) -> Deps:
    """A run planned to set ``page``'s ``properties``, then finish; the model's repair of the update,
    if it is asked for one, sets Status to Done (:data:`DONE`)."""
    fix = {"args_json": json.dumps({"page_id": page, "properties": DONE})}
    update = ("update_properties", {"page_id": page, "properties": properties})
    return planned(notion, page, update, ("finish", {"summary": "ok"}), fixes=[fix])
