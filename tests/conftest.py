"""Shared fixtures: the real Firestore emulator (one per test session, reset per test that asks); and
a count of the emulators and local stacks a session starts, printed at its end (what `make test`'s
time goes to: docs/decisions/0091-make-test-runs-in-two-timed-lanes.md)."""

import os
import re
import sys
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.firestore_emulator import emulator_argv
from local.processes import ProcessGroup, free_port, http_answers
from shared.platform import logs
from tests.support.platform import cpu_by_file
from tests.support.suite import rewrite_cache

PROJECT = "notion-agent-test"
# What this process started; summed over pytest-xdist's workers at the end (pytest_terminal_summary).
STARTS: Counter[str] = Counter()
_WORKER_STARTS: list[dict[str, int]] = []
# CPU seconds by test file (tests/support/platform/cpu_by_file.py), this process's and its workers'.
CPU: dict[str, float] = {}
_SESSION_END_CPU: list[float] = []  # what the last teardown spent, counted apart from its file


def _counted(start: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def counting(stack: Any) -> Any:
        STARTS["local_stacks"] += 1
        return start(stack)

    return counting


def pytest_collection_finish(session: pytest.Session) -> None:
    """Count LocalStack's starts, when a collected module imported it (importing it here would slow
    every session)."""
    stack = sys.modules.get("local.stack")
    if stack is not None and not hasattr(stack.LocalStack.start, "counted"):
        stack.LocalStack.start = _counted(stack.LocalStack.start)
        stack.LocalStack.start.counted = True


# Modules of a few tests that take minutes (a whole local stack, a storm, a benchmark run as a test).
# pytest-xdist hands `make pytest`'s workers one module at a time in collection order
# (--no-loadscope-reorder; its default, the modules with the most tests first, left exactly these
# for the end, where one worker ran the last of them while the other core waited). Longest first.
LONG_MODULES = re.compile(r"tests/(e2e|reliability)/|tests/integration/\w+/test_bench_")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long modules' tests first, each module's and the others' order otherwise kept."""
    items.sort(key=lambda item: LONG_MODULES.match(item.nodeid) is None)


# Modules whose every test starts all it needs itself (nothing module-scoped, the session's emulator
# aside): under --dist loadfile their tests are handed out one at a time, so that a module of long
# tests is not one worker's long pole (the engine's reliability scenarios: 1,194 s on one worker).
EACH_TEST_ALONE = re.compile(r"tests/reliability/test_engine_reliability\.py::")


def scope_of(nodeid: str) -> str:
    """The unit ``--dist loadfile`` hands a worker ``nodeid`` in: its file, or the test itself in a
    module of :data:`EACH_TEST_ALONE`."""
    return nodeid if EACH_TEST_ALONE.match(nodeid) else nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: absent under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` by :func:`scope_of`; any other mode as pytest-xdist makes it."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    scheduler = LoadFileScheduling(config, log)
    scheduler._split_scope = scope_of  # the one method that names a test's unit
    return scheduler


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own (trylast) starts the workers
def pytest_sessionstart(session: pytest.Session) -> None:
    """pytest-xdist's controller rewrites the test modules' asserts once, for its workers to read
    (tests/support/suite/rewrite_cache.py, decision 0208); a worker or a lone session rewrites
    what it imports, as pytest does."""
    config = session.config
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        rewrite_cache.warm(config, rewrite_cache.test_files(config))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """A test's CPU seconds (its process's and its children's, running or reaped) added to its file's."""
    started = cpu_by_file.cpu_now()
    try:
        return (yield)
    finally:
        spent = cpu_by_file.cpu_now() - started
        if nextitem is None:  # its teardown's share is the session's
            spent -= sum(_SESSION_END_CPU)
        cpu_by_file.add(CPU, {cpu_by_file.file_of(item.nodeid): spent})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """The last teardown stops the session's fixtures: its CPU is counted apart (SESSION_END)."""
    if nextitem is not None:
        return (yield)
    started = cpu_by_file.cpu_now()
    try:
        return (yield)
    finally:
        _SESSION_END_CPU.append(cpu_by_file.cpu_now() - started)
        cpu_by_file.add(CPU, {cpu_by_file.SESSION_END: _SESSION_END_CPU[-1]})


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
        """Delete every document. The emulator takes its time after a test that wrote thousands
        (and longer on a loaded machine), so the wait is long rather than a flaky failure."""
        url = f"http://{self.host}/emulator/v1/projects/{PROJECT}/databases/(default)/documents"
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=120).close()

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
    STARTS["firestore_emulators"] += 1
    group.start("firestore", emulator_argv(port), dict(os.environ))
    try:
        group.wait_until(
            "firestore", lambda: http_answers(f"http://127.0.0.1:{port}/"), timeout_s=120.0
        )  # a JVM starting on a loaded machine
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
    if workeroutput is not None:
        workeroutput["starts"] = dict(STARTS)
        workeroutput["cpu_by_file"] = dict(CPU)
    reliability = sys.modules.get("tests.reliability.conftest")
    if workeroutput is not None and reliability is not None:
        workeroutput["result_totals"] = dict(reliability.TOTALS)


def pytest_testnodedown(node: Any, error: object) -> None:
    output = getattr(node, "workeroutput", {})
    if totals := output.get("result_totals"):
        _WORKER_TOTALS.append(totals)
    if "starts" in output:
        _WORKER_STARTS.append(output["starts"])
    cpu_by_file.add(CPU, output.get("cpu_by_file", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    starts = sum((Counter(s) for s in _WORKER_STARTS), STARTS)
    if starts:
        counted = " ".join(f"{k}={starts[k]}" for k in ("local_stacks", "firestore_emulators"))
        terminalreporter.write_line(f"started in this session: {counted}")
    if CPU:
        terminalreporter.write_line(cpu_by_file.line(CPU))
        config = terminalreporter.config
        if not hasattr(config, "workerinput") and config.rootpath == Path(__file__).resolve().parent.parent:
            cpu_by_file.write(CPU, [str(a) for a in config.invocation_params.args])  # the whole session's
    if _WORKER_TOTALS:
        summed = {k: sum(t.get(k, 0) for t in _WORKER_TOTALS) for k in RESULT_KEYS}
        terminalreporter.write_line("RESULT " + " ".join(f"{k}={v}" for k, v in summed.items()))
