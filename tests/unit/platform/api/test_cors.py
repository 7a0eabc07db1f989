"""CORS on api: only the configured frontend's origin may read answers, with credentials."""

import pytest

from tests.support.platform.fake_container import FakeContainer, client

FRONTEND = "http://127.0.0.1:3000"


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    container = FakeContainer()
    return container


def test_the_frontend_may_preflight_and_read_answers_with_credentials(fakes: FakeContainer) -> None:
    api = client("api", fakes)
    headers = {"Origin": FRONTEND, "Access-Control-Request-Method": "PATCH"}
    preflight = api.options("/settings", headers=headers)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    # The console's changes carry its session's CSRF token (the cookie goes by itself).
    assert "X-CSRF-Token" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["X-Content-Type-Options"] == "nosniff" and "Origin" in preflight.headers["Vary"]
    answer = api.get("/runs", headers={"Origin": FRONTEND})  # 401 without a session, still readable
    assert answer.status_code == 401 and answer.headers["Access-Control-Allow-Origin"] == FRONTEND


def test_the_frontend_may_send_an_idempotency_key_to_create_an_api_key(fakes: FakeContainer) -> None:
    """Only a session creates keys, and sessions live in the frontend: a browser whose preflight for
    the header were refused would not send the POST at all."""
    headers = {
        "Origin": FRONTEND,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
    }
    preflight = client("api", fakes).options("/api-keys", headers=headers)
    assert preflight.status_code == 204
    allowed = {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed


def test_other_origins_get_no_cors_headers(fakes: FakeContainer) -> None:
    api = client("api", fakes)
    assert api.options("/settings", headers={"Origin": "https://evil.example"}).status_code == 403
    answer = api.get("/runs", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers and "Origin" in answer.headers["Vary"]


def test_the_frontend_can_read_when_to_retry(fakes: FakeContainer) -> None:
    """A 429 or 503 carries Retry-After; a browser hides every header CORS does not expose."""
    answer = client("api", fakes).get("/runs", headers={"Origin": FRONTEND})
    assert answer.headers["Access-Control-Expose-Headers"] == "Retry-After"
    other = client("api", fakes).get("/runs", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Expose-Headers" not in other.headers


@pytest.mark.parametrize("target", ["api", "oauth_callback", "notion_webhook", "plan"])
def test_every_answer_carries_the_security_headers(fakes: FakeContainer, target: str) -> None:
    answer = client(target, fakes).get("/runs")  # a 401, 400 or 405: refusals carry them too
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert answer.headers["Cache-Control"] == "no-store"
    # A JSON answer opened as a page runs and loads nothing, and no page may frame it.
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_the_link_page_keeps_its_own_policy_for_its_hashed_script(fakes: FakeContainer) -> None:
    page = client("api", fakes).get("/links")
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'sha256-" in policy and "'unsafe-inline'" not in policy
