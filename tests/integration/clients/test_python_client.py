"""The typed Python client generated from the contract (tools/python_client.py, decision 0161), against
the api served on 127.0.0.1 over the Notion sandbox and the Firestore emulator: docs/clients.md's
example runs as written with an API key (its retry starts no second run), bad input comes back as the
contract's Error, and every operation of the contract has its module in the client."""

import contextlib
import importlib
import io
import json
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from functions._http import app
from shared.engine.planning.start import start_run
from tests.integration.notion_stack import Stack, serve
from tools.python_client import CONTRACT, PACKAGE, generate

pytestmark = pytest.mark.integration
GUIDE = Path(__file__).resolve().parents[3] / "docs" / "clients.md"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated from the committed contract and imported from where it was written."""
    out = generate(tmp_path_factory.mktemp("client") / "python")
    sys.path.insert(0, str(out))
    try:
        yield __import__(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _python_example() -> str:
    [block] = re.findall(r"## Python\n.*?```python\n(.*?)```", GUIDE.read_text(), re.S)
    return str(block)


def _api_key(stack: Stack, scopes: list[str]) -> str:
    session = stack.connect()["session"]
    auth = {"Authorization": f"Bearer {session}"}
    made = stack.client("api").post("/api-keys", json={"name": "script", "scopes": scopes}, headers=auth)
    assert made.status_code == 201, made.get_data(as_text=True)
    body: dict[str, Any] = made.json or {}
    return str(body["key"])


def _run_guide(url: str, key: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NA_API_URL", url)
    monkeypatch.setenv("NA_API_KEY", key)
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        exec(compile(_python_example(), str(GUIDE), "exec"), {"__name__": "guide"})
    return said.getvalue()


@contextlib.contextmanager
def _planning(stack: Stack) -> Iterator[list[str]]:
    """The plan queue's worker, as Cloud Tasks would call it: each queued start planned once. The ids of
    the runs it planned."""
    planned: list[str] = []
    done = threading.Event()

    def work() -> None:
        deps = stack.container.engine()
        while not done.wait(0.2):
            for task in stack.plan_tasks():
                if task.run_id not in planned:
                    planned.append(task.run_id)
                    start_run(task, deps)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        yield planned
    finally:
        done.set()
        worker.join(30)


def test_the_guides_example_runs_as_written_and_its_retry_starts_no_second_run(
    stack: Stack, client: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _api_key(stack, ["read", "runs:start"])
    with serve(app("api", stack.container)) as url, _planning(stack) as planned:
        first = _run_guide(url, key, monkeypatch)
        again = _run_guide(url, key, monkeypatch)
    assert re.search(r"^agents: \[.+\]$", first, re.M), first
    [run] = re.findall(r"^run (\S+) \S+ Summarise this week's tasks$", first, re.M)
    assert re.findall(r"^run (\S+) ", again, re.M) == [run]  # the same request_id: the same run
    assert planned == [run]


def test_bad_input_and_a_missing_scope_come_back_as_the_contracts_error(
    stack: Stack, client: ModuleType
) -> None:
    authenticated = client.AuthenticatedClient
    runs_start: Any = importlib.import_module(f"{PACKAGE}.api.runs.runs_start")
    models: Any = importlib.import_module(f"{PACKAGE}.models")
    Error, NewRun = models.Error, models.NewRun

    reader, starter = _api_key(stack, ["read"]), _api_key(stack, ["read", "runs:start"])
    with serve(app("api", stack.container)) as url:
        body = NewRun(goal="Summarise this week's tasks")
        refused = runs_start.sync_detailed(client=authenticated(base_url=url, token=reader), body=body)
        empty = runs_start.sync_detailed(
            client=authenticated(base_url=url, token=starter), body=NewRun(goal="")
        )
    assert refused.status_code == 403 and isinstance(refused.parsed, Error)
    assert "runs:start" in refused.parsed.reason
    assert (
        empty.status_code == 400
        and isinstance(empty.parsed, Error)
        and "goal" in json.dumps(empty.parsed.to_dict())
    )
    assert stack.plan_tasks() == []  # nothing of either was queued


def test_every_operation_of_the_contract_has_its_module_in_the_client(client: ModuleType) -> None:
    contract: dict[str, Any] = json.loads(CONTRACT.read_text())
    operations = {
        op["operationId"]
        for methods in contract["paths"].values()
        for method, op in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    made = {path.stem for path in (Path(str(client.__file__)).parent / "api").rglob("*.py")}
    assert len(operations) > 100 and operations <= made
