"""Shared fixtures: the real Firestore emulator (one per test session, reset per test that asks)."""

import os
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.firestore_emulator import emulator_argv
from local.processes import ProcessGroup, free_port, http_answers
from shared.platform import logs

PROJECT = "notion-agent-test"


@pytest.fixture(autouse=True)
def _log_labels_end_with_the_test() -> Iterator[None]:
    """A test that calls a service outside a request (``add_labels(tenant=...)`` in webhook intake)
    leaves its labels to no later test: an entry point's lines carry only their own request's."""
    with logs.log_context():
        yield


class FirestoreEmulator:
    def __init__(self, host: str) -> None:
        self.host = host

    def reset(self) -> None:
        url = f"http://{self.host}/emulator/v1/projects/{PROJECT}/databases/(default)/documents"
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=10).close()

    def client(self) -> Any:
        """A client of this emulator. The setting is made again each time: a benchmark run as a test
        points it at its own emulator, which is gone once it ends."""
        from google.cloud import firestore

        os.environ["FIRESTORE_EMULATOR_HOST"] = self.host
        return firestore.Client(project=PROJECT)


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirestoreEmulator]:
    group = ProcessGroup(Path(tmp_path_factory.mktemp("firestore-logs")))
    port = free_port()
    group.start("firestore", emulator_argv(port), dict(os.environ))
    try:
        group.wait_until("firestore", lambda: http_answers(f"http://127.0.0.1:{port}/"))
        os.environ["FIRESTORE_EMULATOR_HOST"] = f"127.0.0.1:{port}"
        yield FirestoreEmulator(f"127.0.0.1:{port}")
    finally:
        os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        group.stop_all()


@pytest.fixture
def firestore_db(firestore_emulator: FirestoreEmulator) -> Any:
    firestore_emulator.reset()
    return firestore_emulator.client()


# pytest-xdist (make test runs the suites on 2 workers): each worker hands the reliability totals it
# counted to the controller, which prints the one RESULT line the suite asserts scenario by scenario.
RESULT_KEYS = ("runs", "lost", "duplicated_effects", "stuck", "failed")  # tests/reliability/conftest.py
_WORKER_TOTALS: list[dict[str, int]] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    reliability = sys.modules.get("tests.reliability.conftest")
    if workeroutput is not None and reliability is not None:
        workeroutput["result_totals"] = dict(reliability.TOTALS)


def pytest_testnodedown(node: Any, error: object) -> None:
    totals = getattr(node, "workeroutput", {}).get("result_totals")
    if totals:
        _WORKER_TOTALS.append(totals)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _WORKER_TOTALS:
        summed = {k: sum(t.get(k, 0) for t in _WORKER_TOTALS) for k in RESULT_KEYS}
        terminalreporter.write_line("RESULT " + " ".join(f"{k}={v}" for k, v in summed.items()))
