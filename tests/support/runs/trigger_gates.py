"""Shared by several test modules: helpers first written for ``tests/unit/runs/intake/test_trigger_gates.py``."""

import json
from datetime import UTC, datetime
from typing import Any

from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel
from tests.support.runs.run_store import FakeRunStore

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


PAGE = "1a2b3c4d-0000-4000-8000-00000000abcd"


PLAN = {"goal": "", "risk": "low", "steps": [{"tool": "finish", "args_json": json.dumps({"summary": "ok"})}]}


class CountingNotion(FakeNotion):
    """FakeNotion that counts every call to Notion (reads included; binding a token is none)."""

    calls: list[str]

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if callable(value) and not name.startswith("_") and name not in {"add_page", "with_token"}:
            super().__getattribute__("calls").append(name)
        return value


def setup(**settings: Any) -> tuple[Deps, FakeModel, CountingNotion]:
    notion = CountingNotion()
    notion.calls = []
    for page in (PAGE, "page-1", "page-2", "page-3"):
        notion.pages[page] = {"id": page, "parent": {}, "properties": {}, "url": f"https://n/{page}"}
        notion.children[page] = []
    model = FakeModel({"PlanOut": [PLAN] * 10})
    deps = make_deps(model=model, notion=notion, **settings)._replace(clock=lambda: T0)
    return deps, model, notion


def webhook_task(
    run_id: str,
    event_type: str = "page.content_updated",
    *,
    event_id: str = "",
    page: str = PAGE,
    comment_id: str | None = None,
    before: datetime | None = None,
) -> PlanTask:
    """Tenant t1's plan task of a Notion webhook event (``event_id``, by default ev-<run_id>) on ``page``;
    ``before``: the event's page changed before then (the run's ``changed_before``)."""
    trigger = Trigger(
        kind="webhook",
        event_id=event_id or f"ev-{run_id}",
        event_type=event_type,
        page_id=page,
        comment_id=comment_id,
        changed_before=before,
    )
    return PlanTask(tenant_id="t1", run_id=run_id, trigger=trigger)


def comment(comment_id: str, run_id: str | None = None) -> PlanTask:
    """The plan task of a comment's event on PAGE."""
    run = run_id or f"wh-ev-{comment_id}"
    return webhook_task(run, "comment.created", event_id=f"ev-{comment_id}", comment_id=comment_id)


def runs(deps: Deps) -> list[str]:
    assert isinstance(deps.store, FakeRunStore)
    return sorted(r for _, r in deps.store.runs)
