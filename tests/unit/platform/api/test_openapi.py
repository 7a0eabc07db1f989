"""The api's contract (functions.openapi): the committed docs/api/openapi.json is what the routes and
their models say, every route is in it, it is valid OpenAPI 3.1, and ``GET /openapi.json`` serves it."""

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from functions import openapi
from functions.routes import Doc, Route
from functions.routes.agents_api.agents import AgentChange, NewAgent
from functions.routes.runs_api import usage
from functions.routes.table import ROUTES
from functions.routes.team_api.api_keys import NewApiKey
from functions.routes.team_api.team import NewInvite
from shared.workspace.domain.code_names import check_code_repository, check_project
from shared.workspace.domain.members import invite_email
from tests.support.platform.fake_container import FakeContainer, client

ROOT = Path(__file__).resolve().parents[4]
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
    doc = Doc("x", "x", {200: "models.usage.Usage"}, path="models.team_api.integrations.IntegrationPath")
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
    from functions.routes.models.team_api.integrations import Integrations
    from shared.workspace.domain.integrations import Integration

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


def _links() -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """Each operation's links (``"<METHOD> <path>"``, status) -> name -> link, and the contract."""
    paths = openapi.document()["paths"]
    return {
        (f"{method.upper()} {path}", status): answer["links"]
        for path, methods in paths.items()
        for method, op in methods.items()
        for status, answer in op["responses"].items()
        if "links" in answer
    }


def test_a_made_run_key_or_invite_links_to_what_acts_on_it() -> None:
    """The stateful fuzzing's way to real ids: a run's actions and decisions with its id, a decision's
    request_id from the run's ``waiting``, a key's and an invite's delete."""
    links = _links()
    started = links[("POST /runs", "202")]
    wanted = {"runs_get_run", "runs_again", "run_actions_retry"}
    wanted |= {f"run_actions_{a}" for a in ("approve", "reject", "answer", "cancel", "pause", "resume")}
    assert wanted <= set(started)
    assert started["runs_get_run"]["parameters"] == {"path.run_id": "$response.body#/run_id"}
    approve = links[("GET /runs/{run_id}", "200")]["run_actions_approve"]
    assert approve["requestBody"] == {"request_id": "$response.body#/waiting/request_id"}
    assert "requestBody" not in started["run_actions_approve"]  # a queued run waits for nothing yet
    assert set(links[("POST /api-keys", "201")]) == {"api_keys_remove_api_key"}
    assert set(links[("POST /team/invites", "201")]) == {"team_delete_invite"}
    listed = links[("GET /runs", "200")]  # a list's first run: only reads of it, never an action
    assert listed["runs_get_run"]["parameters"] == {"path.run_id": "$response.body#/runs/0/run_id"}
    assert "run_actions_cancel" not in listed and "agents_remove" not in links[("GET /agents", "200")]


def test_every_link_names_a_real_operation_its_parameters_and_the_answer_s_fields() -> None:
    import schemathesis

    document = openapi.document()
    schemas = document["components"]["schemas"]
    by_id = {op["operationId"]: op for methods in document["paths"].values() for op in methods.values()}
    paths = document["paths"]
    for (label, status), links in _links().items():
        method, path = label.split(" ")
        answer = paths[path][method.lower()]["responses"][status]
        fields = schemas[answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
        for name, link in links.items():
            target = by_id[str(link["operationId"])]
            assert name == link["operationId"]
            params = {f"path.{p['name']}" for p in target["parameters"] if p["in"] == "path"}
            assert set(link["parameters"]) == params, (label, name)
            expressions = [*link["parameters"].values(), *link.get("requestBody", {}).values()]
            for expression in expressions:
                top = str(expression).removeprefix("$response.body#/").split("/")[0]
                assert top in fields["required"], (label, name, expression)
            body = target.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            for field in link.get("requestBody", {}):
                assert field in schemas[body["$ref"].rsplit("/", 1)[1]]["properties"], (label, name, field)
    machine = schemathesis.openapi.from_dict(document).as_state_machine()  # schemathesis reads them
    assert machine  # an invalid link (unknown operation or parameter) raises as it is built


def test_an_older_link_s_token_is_described_as_the_api_reads_it() -> None:
    """A token of other characters is a 400 (``functions._pages.moved``): the contract says which."""
    from functions._pages import LINK_TOKEN

    paths = openapi.document()["paths"]
    for path in ("/links/{token}", "/email-confirmations/{token}"):
        [token] = paths[path]["get"]["parameters"]
        assert token["schema"]["pattern"] == f"^{LINK_TOKEN}$" and "400" in paths[path]["get"]["responses"]


def _generated_bodies(label: str, count: int) -> list[Any]:
    """``count`` bodies schemathesis draws for the contract's ``label`` within its schema, as web-check
    does (the same generator): what the contract says the operation takes."""
    method, path = label.split(" ", 1)
    operation = schemathesis.openapi.from_dict(openapi.document())[path][method]
    drawn: list[Any] = []

    @hypothesis.settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE))
    def draw(case: Any) -> None:
        drawn.append(case.body)

    draw()
    return drawn


def _invited(body: dict[str, Any]) -> None:
    """The team service's own check of the address, after the route's model (shared.team.services.team)."""
    invite_email(body["email"].strip())


@pytest.mark.parametrize(
    ("label", "model", "then"),
    [("POST /team/invites", NewInvite, _invited), ("POST /api-keys", NewApiKey, None)],
)
def test_a_body_the_contract_takes_is_one_the_route_takes(
    label: str, model: type[BaseModel], then: Callable[[dict[str, Any]], None] | None
) -> None:
    """The form of an invite's email and of a key's name is in the contract (the pattern the route
    checks): a body valid by the schema is no 400."""
    bodies = [b for b in _generated_bodies(label, 200) if _text(b)]  # a lone surrogate is no text
    refused = []
    for body in bodies:
        try:
            model.model_validate(body)
            if then is not None:
                then(body)
        except (ValidationError, ValueError) as exc:
            refused.append((body, str(exc)[:200]))
    assert len(bodies) > 150 and refused == []


def _text(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize(
    ("field", "check"), [("github_repositories", check_code_repository), ("vercel_projects", check_project)]
)
def test_a_repository_or_project_the_settings_contract_takes_is_one_the_check_takes(
    field: str, check: Callable[[str], str]
) -> None:
    """The names' form is in the contract (the pattern the settings' checks use): none it allows is
    refused, and a name beside it ("." as a repository's name, a space) is."""
    item = openapi.document()["components"]["schemas"]["SettingsChange"]["properties"][field]["items"]
    assert "pattern" in item

    @hypothesis.settings(max_examples=200, database=None, deadline=None, derandomize=True)
    @hypothesis.given(name=st.from_regex(item["pattern"], fullmatch=True))  # as schemathesis draws
    def taken(name: str) -> None:
        assert check(name) == name

    taken()
    for beside in ("acme/..", "a b"):
        assert re.search(item["pattern"], beside) is None
        with pytest.raises(ValueError):
            check(beside)


def test_a_new_agent_needs_its_name_and_a_change_a_field_as_the_contract_says() -> None:
    """What the routes refused beside their schema is in it: POST /agents requires ``name``; PATCH
    takes at least one field, and no instructions (edited in Notion) but null."""
    schemas = openapi.document()["components"]["schemas"]
    assert schemas["NewAgent"]["required"] == ["name"]
    assert schemas["AgentChange"]["minProperties"] == 1
    assert schemas["AgentChange"]["properties"]["instructions"]["type"] == "null"
    with pytest.raises(ValidationError):
        NewAgent.model_validate({"instructions": "Sort the inbox"})
    with pytest.raises(ValidationError):
        AgentChange.model_validate({"instructions": "Sort the inbox"})
    assert AgentChange.model_validate({"instructions": None}).model_fields_set == {"instructions"}


def test_no_link_takes_a_path_id_from_a_field_that_may_be_null() -> None:
    """A link fed by a null id sent ``POST /runs//pause`` in the stateful fuzzing (a 405 of another
    route, not the contract's answer): an answer's nullable ids fill no path."""
    document = openapi.document()
    schemas, paths = document["components"]["schemas"], document["paths"]
    checked = 0
    for (label, status), links in _links().items():
        method, path = label.split(" ")
        answer = paths[path][method.lower()]["responses"][status]
        model = schemas[answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
        for link in links.values():
            for pointer in link.get("parameters", {}).values():
                field = pointer.removeprefix("$response.body#/").split("/")[0]
                prop = model["properties"][field]
                may_be_null = {"type": "null"} in prop.get("anyOf", []) or prop.get("type") == "null"
                assert not may_be_null, (label, status, pointer)
                checked += 1
    assert checked > 50
