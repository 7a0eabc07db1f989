"""api: its router answers every method: an unknown path is a 404 whatever the method, a known one a
405 naming that path's own methods. Single-route functions keep refusing other methods themselves."""

import pytest

from shared.team.services.sessions import start_session
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.runs.api_runs import auth, fake_container


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "PUT", "GET"])
def test_an_unknown_path_is_a_404_whatever_the_method(fakes: FakeContainer, method: str) -> None:
    answer = client("api", fakes).open("/no-such-path", method=method)
    assert answer.status_code == 404 and json_body(answer)["error"] == "not_found"


@pytest.mark.parametrize("method", ["TRACE", "PUT", "PROPFIND"])
def test_a_method_a_path_does_not_serve_is_a_405_naming_that_paths_methods(
    fakes: FakeContainer, method: str
) -> None:
    api = client("api", fakes)
    runs = api.open("/runs", method=method)
    assert runs.status_code == 405 and runs.headers["Allow"] == "GET, POST"
    assert runs.json == {"error": "method_not_allowed", "reason": "use GET, POST here"}
    settings = api.open("/settings", method=method)
    assert settings.status_code == 405 and settings.headers["Allow"] == "GET, PATCH"


def test_the_methods_a_path_serves_still_reach_it(fakes: FakeContainer) -> None:
    api, headers = client("api", fakes), auth(start_session("t1", fakes.secrets))
    assert api.get("/runs", headers=headers).status_code == 200
    assert api.head("/runs", headers=headers).status_code == 200
    preflight = {"Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "POST"}
    assert api.options("/runs", headers=preflight).status_code == 204  # CORS, as before
    assert api.options("/no-such-path", headers=preflight).status_code == 204


@pytest.mark.parametrize("target", ["plan", "execute_step", "deploy", "notify", "notion_webhook"])
def test_a_single_route_function_still_refuses_other_methods(fakes: FakeContainer, target: str) -> None:
    answer = client(target, fakes).open("/", method="TRACE")
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"
