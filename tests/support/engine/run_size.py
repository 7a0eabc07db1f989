"""Shared by several test modules: helpers first written for ``tests/unit/engine/run_log/test_run_size.py``."""

import json
from typing import Any

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

NOTES = "n" * 22_000  # the reviewer's rows: a long Notes property each


def plan(*steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


def started(notion: FakeNotion, *steps: tuple[str, dict[str, Any]], store: Any = None) -> Deps:
    model = FakeModel({"PlanOut": [plan(*steps)]}, cost_usd=0.0)
    deps = make_deps(model=model, notion=notion, store=store)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="g", trigger=Trigger(kind="api")), deps)
    return deps


def drive(deps: Deps, steps: int) -> None:
    for n in range(1, steps + 1):
        run_step(StepTask(tenant_id="t1", run_id="r1", step=n), deps)


def with_notes(notion: FakeNotion, title: str, notes: str, **parent: str) -> str:
    pid = notion.add_page(title, parent or None, Status="Open")
    notion.pages[pid]["properties"]["Notes"] = {"type": "rich_text", "rich_text": [{"plain_text": notes}]}
    return pid


def size(value: Any) -> int:
    return len(json.dumps(value, default=str).encode())


def daily_plan_over_long_rows(store: Any = None) -> Deps:
    """The daily plan's steps over 50 rows with a long Notes property each, carried out."""
    notion = FakeNotion()
    for i in range(50):
        with_notes(notion, f"Task {i}", NOTES, data_source_id="ds")
    deps = started(
        notion,
        ("query_data_source", {"data_source_id": "ds", "limit": 50}),
        ("draft_text", {"instructions": "Plan my day:\n${steps.1.titles}"}),
        ("finish", {"summary": "ok"}),
        store=store,
    )
    drive(deps, 3)
    return deps
