"""What a Notion event's trigger costs before it may start a run: a comment starts one only when it
mentions the agent (read once, before anything is claimed or paid for), and nothing starts while the
workspace's day or month budget is spent (no Notion read, no waiting run, one notice per period)."""

from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import TransientError
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.services.deps import Deps
from shared.workspace.domain.settings import TenantSettings
from tests.support.notion.notion_fakes import asking
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.runs.run_store import FakeRunStore
from tests.support.runs.trigger_gates import PAGE, T0, comment, runs, setup
from tests.support.workspace.tenants import a_tenant
from tests.support.workspace.workspace_fakes import FakeTenantStore


def change(n: int) -> PlanTask:
    trigger = Trigger(
        kind="webhook", event_id=f"ev{n}", event_type="page.content_updated", page_id=f"page-{n}"
    )
    return PlanTask(tenant_id="t1", run_id=f"wh-ev{n}", trigger=trigger)


def queued(deps: Deps) -> list[tuple[Queue, Any, str, float]]:
    assert isinstance(deps.queue, FakeQueue)
    return deps.queue.tasks


# -- comments ------------------------------------------------------------------------------------------


def test_a_comment_that_does_not_mention_the_agent_starts_nothing_and_pays_nothing() -> None:
    deps, model, notion = setup()
    notion.comments[PAGE] = [{"id": "c1", "rich_text": [{"type": "text", "plain_text": "lunch at noon?"}]}]
    assert start_run(comment("c1"), deps) is False
    assert runs(deps) == [] and model.prompts == [] and queued(deps) == []
    assert isinstance(deps.store, FakeRunStore) and deps.store.run_starts == {}  # no turn taken
    assert notion.calls == ["get_comment", "me"]  # the comment, and who the agent is: nothing else


def test_a_comment_that_mentions_the_agent_is_planned_with_its_words() -> None:
    deps, model, notion = setup()
    notion.comments[PAGE] = [asking("c1", notion.bot_id, " please list three headline ideas")]
    assert start_run(comment("c1"), deps) is True
    [(_, prompt)] = [p for p in model.prompts if p[0] == "PlanOut"]
    assert "please list three headline ideas" in prompt
    run = deps.store.get_run("t1", "wh-ev-c1")
    assert run is not None and run.state.goal.startswith("Answer the comment on the page")
    assert "please list three headline ideas" in run.state.goal


def test_a_mention_of_someone_else_or_a_comment_that_is_gone_starts_nothing() -> None:
    deps, model, notion = setup()
    notion.comments[PAGE] = [asking("c1", "another-person")]
    assert start_run(comment("c1"), deps) is False
    assert start_run(comment("gone"), deps) is False  # deleted, or its page closed to us: Notion's 404
    assert runs(deps) == [] and model.prompts == []


def test_the_workspaces_own_bot_id_decides_when_it_is_known() -> None:
    deps, _, notion = setup()
    tenants = FakeTenantStore()
    tenants.save(a_tenant("t1", "w1", T0, bot_id="bot-of-t1"))
    deps = deps._replace(tenants=tenants)
    notion.comments[PAGE] = [asking("c1", notion.bot_id), asking("c2", "bot-of-t1")]
    assert start_run(comment("c1"), deps) is False  # mentions the token's bot, not this workspace's
    assert start_run(comment("c2"), deps) is True
    assert "me" not in notion.calls


def test_a_transient_error_reading_the_comment_is_retried_by_the_queue() -> None:
    deps, model, notion = setup()
    notion.comments[PAGE] = [asking("c1", notion.bot_id)]
    notion.fail["get_comment"] = [TransientError("Notion answered 503")]
    with pytest.raises(TransientError):
        start_run(comment("c1"), deps)
    assert runs(deps) == [] and model.prompts == []
    assert start_run(comment("c1"), deps) is True  # the retry


# -- a spent workspace budget --------------------------------------------------------------------------


def notices(deps: Deps) -> list[tuple[NotifyTask, str]]:
    return [(b, name) for q, b, name, _ in queued(deps) if q is Queue.NOTIFY and isinstance(b, NotifyTask)]


@pytest.mark.parametrize(
    ("budgets", "named", "says"),
    [
        ({"default_day_budget_usd": 0.0}, "budget-spent-20261121", ("daily budget", "midnight UTC")),
        ({"default_month_budget_usd": 0.0}, "budget-spent-202611", ("monthly budget", "1st of next month")),
    ],
)
def test_while_the_budget_is_spent_notion_events_start_nothing_and_the_owner_is_told_once(
    budgets: dict[str, float], named: str, says: tuple[str, ...]
) -> None:
    deps, model, notion = setup(**budgets)
    notion.comments[PAGE] = [asking("c1", notion.bot_id)]
    for task in (change(1), change(2), change(3), comment("c1")):
        assert start_run(task, deps) is False
    assert runs(deps) == [] and model.prompts == [] and notion.calls == []  # not even a Notion read
    [(note, name)] = notices(deps)  # one, named from the period: the later events enqueue nothing new
    assert (note.notification_id, name) == (named, f"notify:t1:{named}")
    assert note.priority == "normal"  # not urgent: quiet hours hold it
    for words in (*says, "raise max_cost_per_"):
        assert words in note.subject + " " + note.text
    assert [q for q, *_ in queued(deps)] == [Queue.NOTIFY]  # no plan task waits its turn either


def test_a_persons_request_while_the_budget_is_spent_still_waits_for_a_decision() -> None:
    deps, _, _ = setup(default_day_budget_usd=0.0)
    assert start_run(PlanTask(tenant_id="t1", run_id="r1", goal="Tidy", trigger=Trigger(kind="api")), deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN


def test_events_start_runs_again_once_the_budget_is_raised() -> None:
    deps, _, _ = setup(default_day_budget_usd=0.0)
    assert start_run(change(1), deps) is False
    tenants = FakeTenantStore()
    settings = TenantSettings(max_cost_per_day_usd=5.0)
    tenants.save(a_tenant("t1", "w1", T0, settings=settings))
    raised = deps._replace(tenants=tenants)
    assert start_run(change(2), raised) is True
