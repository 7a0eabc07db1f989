"""Signed approve/reject links from notifications (public: the link's signed token authenticates).

A mail's link is ``/links#<token>``: ``GET /links`` is the page whose script reads the token and
POSTs it (``functions._pages``). ``POST /links/preview`` says what the link would do and changes
nothing; ``POST /links/decide`` applies the decision once: a second use answers 409. ``GET
/links/<token>`` (links mailed before the token moved to the fragment) redirects to that page.
"""

from typing import Any

from functions._http import Reply
from functions._pages import Page, answer, moved, sentence, shell, token_of
from functions.routes import Call
from shared.engine.services import humans
from shared.notify.services.links import DECISION_PATH

_AFTER = {
    "running": "The run goes on.",
    "waiting_for_human": "The run waits for another decision: it will ask for it.",
    "paused": "The run is paused.",
    "completed": "The run has completed.",
    "failed": "The run has ended.",
    "cancelled": "The run has ended.",
    "rolled_back": "The run has ended.",
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


def page(call: Call) -> Reply:
    return shell("decide")


def preview(call: Call) -> Reply:
    deps, token = call.container.engine(with_model=False), token_of(call.request)
    return answer(lambda: humans.link_info(deps, token), _shown)


def decide(call: Call) -> Reply:
    token = token_of(call.request)

    def decided() -> dict[str, Any]:
        state = humans.respond_by_link(call.container.engine(with_model=False), token)
        return {"status": state.status.value, "goal": state.goal}

    return answer(decided, _used)


def legacy(call: Call) -> Reply:
    """A link mailed with its token in the path: the same page, the token moved to the fragment."""
    api_url = call.container.settings.api_url
    return moved(api_url, DECISION_PATH, call.args["token"])
