"""A page with a long text and a long history keeps, in the plan's context, what the run
is about (the goal, the trigger, the page's id and title) and stays valid JSON within its bound, so
the model plans for that page instead of for nothing (before, the whole block became one cut string
and the offline model "Sent a note about: " with an empty subject)."""

import json
from typing import Any

from shared.engine.agent.context import CONTEXT_CHARS, bounded, plan_prompt
from shared.engine.planning.context import bounded_memory
from shared.platform.adapters.offline_model import OfflineModel
from shared.platform.domain.model_replies import PlanOut, extract_context

PAGE = "1a2b3c4d-0000-4000-8000-00000000abcd"
GOAL = "Help with the page 'Launch plan' (page.content_updated)"


def _long_history() -> dict[str, Any]:
    runs = [
        {
            "at": f"2026-11-2{n}T09:00",
            "agent": "Notion Agent",
            "goal": "g" * 300,
            "status": "completed",
            "summary": "s" * 300,
            "wrote": [f"append_blocks: text={'w' * 150}"] * 6,
            "ratings": [{"verdict": "bad", "reason": "r" * 300}],
        }
        for n in range(3)
    ]
    return {
        "goal": GOAL,
        "trigger": {"kind": "webhook", "event_type": "page.content_updated", "page_id": PAGE},
        "page": {"id": PAGE, "title": "Launch plan", "properties": {"Owner": "Ada"}, "text": "line\n" * 600},
        "data_source": {
            "id": "ds1",
            "properties": {"Status": {"type": "status", "options": ["New", "Done"]}},
        },
        "related": [
            {"id": f"r{n}", "title": "t" * 60, "properties": {"Notes": "n" * 200}} for n in range(10)
        ],
        "workspace": [{"cite": f"[{n}]", "title": "Wiki", "text": "p" * 400} for n in range(5)],
        "earlier_runs": {"note": "what earlier runs did", "runs": bounded_memory(runs)},
    }


def test_a_long_context_keeps_its_goal_and_page_within_the_bound() -> None:
    ctx = _long_history()
    assert len(json.dumps(ctx, indent=1)) > 2 * CONTEXT_CHARS
    text = bounded(ctx)
    kept = json.loads(text)
    assert len(text) <= CONTEXT_CHARS
    assert kept["goal"] == GOAL and kept["trigger"] == ctx["trigger"]
    assert kept["page"]["id"] == PAGE and kept["page"]["title"] == "Launch plan"
    assert kept["page"]["text"].startswith("line\nline") and kept["page"]["text"].endswith("…")
    assert set(kept) == set(ctx)  # every part is still there, shortened


def test_the_offline_model_plans_for_the_long_history_page_not_an_empty_note() -> None:
    prompt = plan_prompt(GOAL, _long_history(), [], 20)
    assert extract_context(prompt)["page"]["id"] == PAGE
    plan = OfflineModel().generate("fast", prompt, PlanOut).value
    tools = [s.tool for s in plan.steps]
    assert "send_notification" not in tools and tools[0] == "read_page"
    assert json.loads(plan.steps[0].args_json) == {"page_id": PAGE}
    assert plan.goal == GOAL


def test_a_small_context_is_left_as_it_is() -> None:
    ctx = {"goal": "g", "page": {"id": PAGE, "text": "x" * 500}}
    assert json.loads(bounded(ctx)) == ctx
