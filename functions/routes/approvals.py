"""Signed approve/reject links from notifications (public: the link's signed token authenticates).

``GET /links/<token>`` says what the link would do and changes nothing (mail scanners follow links);
``POST /links/<token>`` applies the decision once: a second use answers 409.
"""

from functions._http import Reply
from functions.routes import Call, Route
from shared import bootstrap
from shared.services import humans
from shared.services.wiring import engine_deps


def show(call: Call) -> Reply:
    return humans.link_info(engine_deps(bootstrap.container(), with_model=False), call.args["token"]), 200


def use(call: Call) -> Reply:
    state = humans.respond_by_link(engine_deps(bootstrap.container(), with_model=False), call.args["token"])
    return {"status": state.status.value, "goal": state.goal}, 200


ROUTES = [
    Route("/links/<token>", ("GET",), show, public=True),
    Route("/links/<token>", ("POST",), use, public=True),
]
