"""api's path matching: literal and ``<name>`` segments, 404 for no path, 405 naming what a path takes."""

from typing import cast

import pytest
from flask import Request

from functions.routes import Call, Route, Router
from tests.api_fakes import FakeContainer


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


def test_every_api_route_names_a_handler_that_exists_once() -> None:
    from functions.routes import ROUTES, Lazy, resolve

    for route in ROUTES:
        assert isinstance(route.handler, Lazy), route
        assert callable(resolve(route.handler.name)), route
    served = [(route.path, method) for route in ROUTES for method in route.methods]
    assert len(served) == len(set(served))


def test_a_lazy_handler_calls_the_function_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.routes import Lazy, usage

    calls: list[Call] = []

    def get_usage(call: Call) -> tuple[dict[str, bool], int]:
        calls.append(call)
        return {"ok": True}, 200

    monkeypatch.setattr(usage, "get_usage", get_usage)
    call = Call(request=cast(Request, None), args={}, tenant_id="t1", container=FakeContainer())
    assert Lazy("usage.get_usage")(call) == ({"ok": True}, 200) and calls == [call]
