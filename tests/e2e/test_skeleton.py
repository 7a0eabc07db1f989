"""The walking skeleton over HTTP on the whole local stack, as ``make demo`` runs it."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from local.demo import run_demo
from local.stack import LocalStack
from shared.adapters.local_secrets import LocalFileSecrets
from shared.services.sessions import start_session

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="module")
def demo(stack: LocalStack) -> dict[str, Any]:
    return run_demo(stack)


def status_of(
    url: str, headers: dict[str, str] | None = None, method: str = "GET", body: bytes | None = None
) -> int:
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=body)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_plan_task_runs_through_every_hop_to_the_outbox(demo: dict[str, Any]) -> None:
    run = demo["run"]
    assert run["status"] == "completed"
    assert [e["kind"] for e in run["events"]] == ["run_planned", "tool_result", "tool_result", "run_finished"]
    assert demo["notification"]["notification_id"] == f"{run['run_id']}-completed"


def test_the_outbox_holds_exactly_one_notification_per_run(stack: LocalStack, demo: dict[str, Any]) -> None:
    files = list(stack.outbox_dir.glob(f"{demo['run']['run_id']}-*.json"))
    assert len(files) == 1


def test_api_refuses_without_a_session_and_hides_other_tenants(
    stack: LocalStack, demo: dict[str, Any]
) -> None:
    url = stack.url_of_api() + f"/runs/{demo['run']['run_id']}"
    assert status_of(url) == 401
    other = start_session("someone-else", LocalFileSecrets(str(stack.secrets_file)))
    assert status_of(url, {"Authorization": f"Bearer {other}"}) == 404


def test_the_functions_validate_their_input_over_http(stack: LocalStack) -> None:
    from shared.config import Target

    for target in (Target.PLAN, Target.EXECUTE_STEP, Target.NOTIFY, Target.DEPLOY):
        assert (
            status_of(
                stack.url(target) + "/",
                method="POST",
                body=b"{}",
                headers={"Content-Type": "application/json"},
            )
            == 400
        )
        assert status_of(stack.url(target) + "/") == 405
    assert status_of(stack.url(Target.OAUTH_CALLBACK) + "/?code=x") == 400


def test_no_secret_value_appears_in_any_log_line(stack: LocalStack, demo: dict[str, Any]) -> None:
    # A request that carries a secret where a careless handler might log it.
    signing_key = stack.secrets["session-signing-key"]
    status_of(stack.url_of_api() + "/runs/x", {"Authorization": f"Bearer {signing_key}"})
    logs = list((stack.workdir / "logs").glob("*.log"))
    assert len(logs) >= 9
    text = "\n".join(p.read_text(errors="replace") for p in logs)
    for name, value in stack.secrets.items():
        assert value not in text, f"the value of {name} reached a log"


def test_our_log_lines_are_cloud_logging_json_with_trace_and_labels(
    stack: LocalStack, demo: dict[str, Any]
) -> None:
    from shared.config import Target

    trace = "0af7651916cd43dd8448eb211c80319c"
    body = json.dumps(
        {"tenant_id": "trace-tenant", "run_id": "traced-run", "goal": "g", "trigger": {"kind": "manual"}}
    )
    headers = {"Content-Type": "application/json", "traceparent": f"00-{trace}-b7ad6b7169203331-01"}
    assert status_of(stack.url(Target.PLAN) + "/", headers, "POST", body.encode()) == 200
    entries = []
    for path in (stack.workdir / "logs").glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                entries.append(json.loads(line))
    assert entries and all({"severity", "message"} <= e.keys() for e in entries)
    labelled = [
        e for e in entries if e.get("logging.googleapis.com/labels", {}).get("run") == demo["run"]["run_id"]
    ]
    assert labelled and all(e["logging.googleapis.com/labels"]["tenant"] == "demo-tenant" for e in labelled)
    traced = [
        e
        for e in entries
        if e.get("logging.googleapis.com/trace") == f"projects/notion-agent-local/traces/{trace}"
    ]
    assert traced and traced[0]["logging.googleapis.com/labels"] == {
        "tenant": "trace-tenant",
        "run": "traced-run",
    }
