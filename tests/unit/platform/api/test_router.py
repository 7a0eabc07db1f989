"""api's path matching: literal and ``<name>`` segments, 404 for no path, 405 naming what a path takes;
and its route table, each route with its handler function, checked as it is imported."""

import inspect
import subprocess
import sys
import types
from pathlib import Path
from typing import cast

import pytest

from functions.routes import Call, Handler, Route, Router

ROOT = Path(__file__).resolve().parents[4]


def handler(call: Call) -> tuple[dict[str, str], int]:
    return {}, 200


ROUTER = Router(
    [
        Route("/runs", ("GET",), handler),
        Route("/runs", ("POST",), handler),
        Route("/runs/<run_id>", ("GET",), handler),
        Route("/runs/<run_id>/approve", ("POST",), handler),
    ]
)


def test_literal_and_named_segments() -> None:
    match = ROUTER.match("/runs/r-1", "GET")
    assert (
        match.route is not None and match.route.path == "/runs/<run_id>" and match.args == {"run_id": "r-1"}
    )
    assert ROUTER.match("/runs", "POST").route == ROUTER.routes[1]
    assert ROUTER.match("/runs/", "GET").route == ROUTER.routes[0]  # a trailing slash is the same path
    approve = ROUTER.match("/runs/r1/approve", "POST")
    assert approve.route is not None and approve.args == {"run_id": "r1"}


def test_no_path_and_wrong_method() -> None:
    assert ROUTER.match("/runs/r1/unknown", "POST") == (None, {}, [])
    assert ROUTER.match("/runs//approve", "POST") == (None, {}, [])  # an empty segment is no run id
    assert ROUTER.match("/", "GET") == (None, {}, [])
    assert ROUTER.match("/runs", "DELETE") == (None, {}, ["GET", "POST"])
    assert ROUTER.match("/runs/r1", "POST") == (None, {}, ["GET"])


def test_every_api_route_names_its_handler_function_once() -> None:
    from functions.routes.rows import handlers_of
    from functions.routes.runs_api import run_actions, usage
    from functions.routes.table import MODULES, ROUTES

    assert all(inspect.isfunction(route.handler) or inspect.ismethod(route.handler) for route in ROUTES)
    served = [(route.path, method) for route in ROUTES for method in route.methods]
    assert len(served) == len(set(served))
    handlers = {h for module in MODULES for h in handlers_of(module).values()}
    assert handlers == {route.handler for route in ROUTES}
    by_path = {(route.path, route.methods): route.handler for route in ROUTES}
    assert by_path["/usage", ("GET",)] is usage.get_usage
    assert by_path["/runs/<run_id>/pause", ("POST",)] is run_actions.pause


def test_a_route_without_a_handler_or_served_twice_stops_the_table() -> None:
    from functions.routes.rows import check
    from functions.routes.runs_api import usage

    with pytest.raises(ValueError, match=r"/x has no handler"):
        check([Route("/x", ("GET",), cast(Handler, None))], [])
    twice = [
        Route("/x", ("GET",), usage.get_usage, role="viewer"),
        Route("/x", ("GET", "POST"), usage.get_usage, role="viewer"),
    ]
    with pytest.raises(ValueError, match=r"GET /x is served twice"):
        check(twice, [])


def test_a_route_without_a_role_stops_the_table() -> None:
    """Every route but a public one names the least role that may call it; a public one names none."""
    from functions.routes.rows import check
    from functions.routes.runs_api import usage

    with pytest.raises(ValueError, match=r"/x: a route names the least role"):
        check([Route("/x", ("GET",), usage.get_usage)], [])
    with pytest.raises(ValueError, match=r"/x: a route names the least role"):
        check([Route("/x", ("GET",), usage.get_usage, public=True, role="viewer")], [])
    check([Route("/x", ("GET",), usage.get_usage, role="owner")], [])


def test_a_handler_without_a_route_stops_the_table() -> None:
    from functions.routes.rows import check
    from functions.routes.table import MODULES, ROUTES

    module = types.ModuleType("functions.routes.stray")
    exec(HANDLER_AND_HELPERS, module.__dict__)
    with pytest.raises(ValueError, match=r"functions\.routes\.stray\.get_stray handles no route"):
        check(ROUTES, [*MODULES, module])
    check([*ROUTES, Route("/stray", ("GET",), module.get_stray, role="viewer")], [*MODULES, module])


def test_the_api_does_not_import_with_a_handler_that_has_no_route() -> None:
    """The table is checked as it is imported: a handler added to a route module without its route in
    the table stops the api's import (so its deploy, and every test of it)."""
    code = (
        "import functions.routes.runs_api.usage as usage\n"
        f"exec({HANDLER_AND_HELPERS!r}, usage.__dict__)\n"
        "import functions.api\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "ValueError: functions.routes.runs_api.usage.get_stray handles no route" in done.stderr


# A handler (a Call in, a Reply out) and what is not one: a helper of other arguments or answer, and
# one the module keeps to itself.
HANDLER_AND_HELPERS = """
from functions._http import Reply
from functions.routes import Call

def get_stray(call: Call) -> Reply:
    return {}, 200

def stray_id(call: Call) -> str:
    return call.args["id"]

def _private(call: Call) -> Reply:
    return {}, 200
"""
