"""JSON bodies are read at most JSON_BODY_LIMIT bytes: beyond it a 413 and nothing done, whatever the
Content-Length says (absent: chunked; understated), and every valid body fits well below it."""

import io
import json
from typing import Any

import pytest

from shared.team.services.sessions import start_session
from shared.workspace.domain.settings_input import MAX_NOTION_IDS
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.runs.api_runs import auth, fake_container, waiting_run

LIMIT = 256 * 1024  # functions._http.JSON_BODY_LIMIT, spelled out so the test stands on its own


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def padded(body: str, size: int) -> bytes:
    """``body`` followed by spaces (still the same JSON) up to ``size`` bytes."""
    return body.encode().ljust(size)


def chunked(stream: io.RawIOBase | io.BytesIO) -> dict[str, Any]:
    """A body as the functions' server (gunicorn) hands a chunked one over: a stream it ends itself,
    without CONTENT_LENGTH (unless a header states one)."""
    return {"wsgi.input": stream, "wsgi.input_terminated": True}


def session(fakes: FakeContainer) -> dict[str, str]:
    return {**auth(start_session("t1", fakes.secrets)), "Content-Type": "application/json"}


def test_the_limit_is_the_one_in_http() -> None:
    from functions import _http

    assert _http.JSON_BODY_LIMIT == LIMIT


def test_the_largest_valid_settings_body_is_far_below_the_limit_and_accepted(fakes: FakeContainer) -> None:
    hexes = [f"{i:032x}" for i in range(2 * MAX_NOTION_IDS)]
    ids = [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes]
    largest = {
        "timezone": "America/Argentina/ComodRivadavia",
        "data_source_ids": ids[:MAX_NOTION_IDS],
        "page_ids": ids[MAX_NOTION_IDS:],
        "notification_email": "o" * 64 + "@" + "d" * 181 + ".example",
        "github_repositories": [f"{'o' * 36}{i:03d}/{'r' * 100}" for i in range(50)],
        "vercel_projects": [f"{i:03d}{'p' * 97}" for i in range(50)],
    }
    body = json.dumps(largest, indent=4).encode()
    assert len(body) < LIMIT / 8  # ~25 KB: even every character \u-escaped (6 bytes) would fit
    answer = client("api", fakes).patch("/settings", headers=session(fakes), data=body)
    assert answer.status_code == 200, answer.json
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and len(tenant.settings.github_repositories) == 50


def test_a_settings_body_at_the_limit_works_and_one_byte_more_is_a_413_changing_nothing(
    fakes: FakeContainer,
) -> None:
    api = client("api", fakes)
    at_limit = api.patch("/settings", headers=session(fakes), data=padded('{"planning_hour": 6}', LIMIT))
    assert at_limit.status_code == 200 and json_body(at_limit)["settings"]["planning_hour"] == 6
    over = api.patch("/settings", headers=session(fakes), data=padded('{"planning_hour": 7}', LIMIT + 1))
    assert over.status_code == 413 and json_body(over)["error"] == "payload_too_large"
    assert str(LIMIT) in json_body(over)["reason"]
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.settings.planning_hour == 6


class Endless(io.RawIOBase):
    """A JSON object followed by spaces without end, counting what is read of it."""

    def __init__(self, head: bytes) -> None:
        self.head, self.served = head, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        chunk = self.head[self.served : self.served + size].ljust(size)
        buffer[:size] = chunk
        self.served += size
        if self.served > 8 * LIMIT:  # an unbounded read: stop it here rather than run forever
            raise AssertionError("the body was read past the limit")
        return size


@pytest.mark.parametrize(
    "length",
    [None, 20],  # absent (a chunked body), or understated
    ids=["no-content-length", "understated-content-length"],
)
def test_a_run_body_over_the_limit_is_refused_whatever_its_content_length(
    fakes: FakeContainer, length: int | None
) -> None:
    stream = Endless(b'{"goal": "Say hello"}')
    headers = session(fakes) | ({} if length is None else {"Content-Length": str(length)})
    answer = client("api", fakes).post("/runs", headers=headers, environ_overrides=chunked(stream))
    assert answer.status_code == 413 and str(LIMIT) in json_body(answer)["reason"]
    assert stream.served <= LIMIT + 1 and fakes.queue.tasks == []


def test_a_streamed_run_body_of_a_normal_size_starts_a_run(fakes: FakeContainer) -> None:
    body = b'{"goal": "Say hello"}'
    answer = client("api", fakes).post(
        "/runs", headers=session(fakes), environ_overrides=chunked(io.BytesIO(body))
    )
    assert answer.status_code == 202 and len(fakes.queue.tasks) == 1


def test_a_run_body_over_the_limit_is_a_413_and_starts_nothing(fakes: FakeContainer) -> None:
    api = client("api", fakes)
    over = api.post("/runs", headers=session(fakes), data=padded('{"goal": "Say hello"}', LIMIT + 1))
    assert over.status_code == 413 and fakes.queue.tasks == []
    normal = api.post("/runs", headers=session(fakes), json={"goal": "Say hello"})
    assert normal.status_code == 202 and len(fakes.queue.tasks) == 1


def test_a_note_on_a_control_is_read_once_and_bounded_too(fakes: FakeContainer) -> None:
    """``pause`` looks whether a body came (get_data) before parsing it: both reads see it."""
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, _ = waiting_run(fakes, api, token)
    over = api.post(
        f"/runs/{run_id}/pause", headers=session(fakes), data=padded('{"text": "lunch"}', LIMIT + 1)
    )
    assert over.status_code == 413
    paused = api.post(f"/runs/{run_id}/pause", headers=auth(token), json={"text": "lunch"})
    assert paused.status_code == 200 and json_body(paused)["status"] == "paused"
    bad = api.post(f"/runs/{run_id}/resume", headers=session(fakes), data=b"[1]")
    assert bad.status_code == 400 and "JSON object" in json_body(bad)["reason"]
