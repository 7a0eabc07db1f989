"""Signed approve/reject links from notifications (public: the link's signed token authenticates).

``GET /links/<token>`` says what the link would do and changes nothing (mail scanners follow links);
``POST /links/<token>`` applies the decision once: a second use answers 409. A browser gets both as
pages, the GET's with the button that POSTs (``functions._pages``).
"""

from typing import Any

from functions._http import Reply
from functions._pages import Page, answer, sentence
from functions.routes import Call
from shared import bootstrap
from shared.services import humans
from shared.services.wiring import engine_deps

_AFTER = {
    "running": "The run goes on.",
    "waiting_for_human": "The run waits for another decision: it will ask for it.",
    "paused": "The run is paused.",
    "completed": "The run has completed.",
    "failed": "The run has ended.",
    "cancelled": "The run has ended.",
}


def _shown(info: dict[str, Any]) -> Page:
    verb = "Approve" if info["decision"] == "approve" else "Reject"
    if not info["usable"]:
        return Page("This link cannot be used now", [f"{sentence(info['confirm'])}."], info["goal"])
    asks = [f"It asks: {info['prompt']}"] if info["prompt"] else []
    return Page(
        f"{verb} this step?", ["A run of Notion Agent waits for your decision.", *asks], info["goal"], verb
    )


def _used(result: dict[str, Any]) -> Page:
    return Page("Your decision is recorded", [_AFTER.get(result["status"], "")], result["goal"])


def show(call: Call) -> Reply:
    deps = engine_deps(bootstrap.container(), with_model=False)
    return answer(call.request, lambda: humans.link_info(deps, call.args["token"]), _shown)


def use(call: Call) -> Reply:
    def decide() -> dict[str, Any]:
        state = humans.respond_by_link(
            engine_deps(bootstrap.container(), with_model=False), call.args["token"]
        )
        return {"status": state.status.value, "goal": state.goal}

    return answer(call.request, decide, _used)
