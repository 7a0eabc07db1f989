"""The api's contract (functions.openapi): the committed docs/api/openapi.json is what the routes and
their models say, every route is in it, it is valid OpenAPI 3.1, and ``GET /openapi.json`` serves it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from functions import openapi
from functions.routes import Doc, Route, usage
from functions.routes.table import ROUTES
from tests.api_fakes import FakeContainer, client

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "api" / "openapi.json"


def test_the_committed_contract_is_the_generated_one() -> None:
    assert CONTRACT.read_text() == openapi.text(), (
        "docs/api/openapi.json differs from the api's routes and models: run `make openapi` and commit it"
    )


def test_every_route_of_the_table_is_an_operation_of_the_contract() -> None:
    assert all(isinstance(route.doc, Doc) for route in ROUTES), [r.path for r in ROUTES if r.doc is None]
    paths = openapi.document()["paths"]
    operations = {(method.upper(), path) for path, methods in paths.items() for method in methods}
    routes = {(m, r.path.replace("<", "{").replace(">", "}")) for r in ROUTES for m in r.methods}
    assert operations == routes


def test_a_route_without_its_doc_stops_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openapi, "ROUTES", [*ROUTES, Route("/new", ("GET",), usage.get_usage)])
    with pytest.raises(ValueError, match=r"/new has no Doc"):
        openapi.document()


def test_a_path_model_names_the_path_s_own_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = Doc("x", "x", {200: "models.usage.Usage"}, path="models.integrations.IntegrationPath")
    monkeypatch.setattr(openapi, "ROUTES", [Route("/x/<key_id>", ("GET",), usage.get_usage, doc=doc)])
    with pytest.raises(ValueError, match="not \\['key_id'\\]"):
        openapi.document()


def test_the_contract_is_openapi_3_1_with_each_operation_s_security() -> None:
    import schemathesis

    document = openapi.document()
    schemathesis.openapi.from_dict(document).validate()  # OpenAPI 3.1's own schema
    assert document["openapi"] == "3.1.0" and [s["url"] for s in document["servers"]] == ["/api"]
    sessions: list[dict[str, list[str]]] = [{"sessionCookie": []}, {"session": []}]
    runs = document["paths"]["/runs"]["post"]
    assert runs["security"] == [*sessions, {"apiKey": ["runs:start"]}] and runs["x-scope"] == "runs:start"
    keys = document["paths"]["/api-keys"]["post"]
    assert keys["security"] == sessions and keys["x-session-only"] is True
    assert document["paths"]["/connect"]["get"]["security"] == []
    assert keys["responses"]["409"] == {"$ref": "#/components/responses/Error409"}
    error = document["components"]["responses"]["Error409"]
    assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Retry-After" in error["headers"]


def test_get_openapi_json_serves_the_contract_to_anyone_with_an_etag() -> None:
    api = client("api", FakeContainer())
    answer = api.get("/openapi.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.get_data(as_text=True) == openapi.text()
    assert json.loads(answer.get_data())["openapi"] == "3.1.0"
    etag = answer.headers["ETag"]
    assert answer.headers["Cache-Control"] == "public, no-cache"
    again = api.get("/openapi.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert api.get("/openapi.json", headers={"If-None-Match": '"other"'}).status_code == 200


def test_neither_the_api_s_cold_start_nor_its_handlers_load_the_contract_s_models() -> None:
    """The contract's models are for the contract: a route's first request loads none (decision 0017)."""
    code = (
        "import json, sys, functions.api\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('functions.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert "functions.routes.contract" in loaded  # every handler's module is loaded
    assert [m for m in loaded if m == "functions.openapi" or m.startswith("functions.routes.models")] == []


def test_a_path_the_framework_cannot_route_is_a_json_404_as_the_contract_says() -> None:
    """werkzeug's path rule takes no line break: functions-framework's own 404 page answered it."""
    answer = client("api", FakeContainer()).delete("/integrations/%0Agithub")
    assert (answer.status_code, answer.mimetype) == (404, "application/json")
    assert answer.json == {"error": "not_found", "reason": "no such endpoint"}
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_integrations_answer_names_every_integration() -> None:
    from functions.routes.models.integrations import Integrations
    from shared.domain.integrations import Integration

    assert list(Integrations.model_fields) == [i.value for i in Integration]


def test_a_change_made_with_the_cookie_names_its_csrf_header() -> None:
    from functions.api import STATE_CHANGING

    assert openapi.CSRF_METHODS == STATE_CHANGING
    paths = openapi.document()["paths"]
    headers = {
        (method.upper(), path): [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        for path, methods in paths.items()
        for method, op in methods.items()
    }
    assert "X-CSRF-Token" in headers[("POST", "/runs")] and "X-CSRF-Token" in headers[("DELETE", "/session")]
    assert (
        "X-CSRF-Token" not in headers[("GET", "/runs")] + headers[("POST", "/links/decide")]
    )  # a read; public
