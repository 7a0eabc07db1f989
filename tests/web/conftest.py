"""The web suite (``make web-check``): the console in Debian's Chromium against the whole local
stack, axe-core on every screen, schemathesis against the live api, the bundle's size.

Each test of a ``test_console_*`` module is one flow. The session ends with
``RESULT flows_passed=<n> flows_failed=0 axe_serious=0 schemathesis_failures=0 schemathesis_checks=all
stateful=1 phone_overflow=0 bundle_gzip_kb=<kb> person_flows=<n> person_flows_failed=0``
and fails if any figure misses its goal, or, under ``NA_WEB_CHECK=1`` (make web-check), if one was
not measured at all. A person flow (``@pytest.mark.person_flow``) is a flagship
flow done whole as a person does it, on a stack with ``make stack``'s settings (:data:`DEFAULTS`),
following only what the docs and the screens say: the web check needs at least
:data:`PERSON_FLOWS_MIN` of them, none failed."""

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from local.stack import LocalStack, as_make_stack
from tests.web.browser import FAST_NOTION, Figures, launch
from tests.web.workspace import Setup, close_tabs, set_up

FIGURES = Figures()
# An assertion waits as long as an action may (browser.py: 15 s): make test runs this suite's two
# workers beside pytest's, so a screen takes longer to come than on an idle machine (decision 0129).
expect.set_options(timeout=15_000)
DISTRIBUTING = False  # the controller of pytest-xdist's workers: it runs no test itself
BUNDLE_LIMIT_KB = 150.0
PERSON_FLOWS_MIN = 4  # idea to production and back, trackers, a mention, a debate
PERSON = "person_flow"
# The stack kind of a module with a person flow: ``make stack``'s own (its live notifications, its
# settings with no NA_ variable set in the shell); the other modules' kind is their notify mode, on a
# stack whose Notion and api are unpaced (FAST_NOTION).
DEFAULTS = "make-stack"
PERSON_MODULES: set[str] = set()  # the collected modules with a person flow, by name


@pytest.fixture(scope="session")
def figures() -> Figures:
    return FIGURES


def _kind_of(module: object) -> str:
    """The stack a module's flows run on: :data:`DEFAULTS` when one of its tests is a person flow,
    else its notify mode (``STACK_NOTIFY``, "outbox" unless set)."""
    if getattr(module, "__name__", "") in PERSON_MODULES:
        return DEFAULTS
    return str(getattr(module, "STACK_NOTIFY", "outbox"))


def unstarted(kind: str) -> LocalStack:
    """The stack of ``kind``, not yet started. :data:`DEFAULTS`: what ``make stack`` starts in a
    shell with no NA_ variable (local.stack's main builds it with the same function), nothing
    relaxed, Cloud Scheduler's jobs called; a notify mode: that mode, the code sandbox seeded as
    ``make stack`` has it, Notion's and the api's pace off (FAST_NOTION), no scheduler."""
    if kind == DEFAULTS:
        return as_make_stack({})
    return LocalStack(extra_env=FAST_NOTION, notify=kind, code_seed=True)


class Stacks:
    """The session's local stacks, one per kind (:func:`_kind_of`), each started when a module first
    needs it and stopped once the last module that needs it has ended (starting a whole stack, the
    Firestore emulator's JVM, the Cloud Tasks emulator and seven functions, for each module was most of
    the suite's time): a worker starts ``make stack``'s only when it runs a person flow's module.
    ``modules``: how many collected modules share each kind's stack."""

    def __init__(self, modules: Counter[str]) -> None:
        self.running: dict[str, LocalStack] = {}
        self.left = Counter(modules)

    def get(self, kind: str) -> LocalStack:
        if kind not in self.running:
            self.running[kind] = unstarted(kind).start()
        return self.running[kind]

    def done(self, kind: str) -> None:
        """A module on this kind's stack has ended: the stack stops when no module is left to need it."""
        self.left[kind] -= 1
        if self.left[kind] <= 0 and kind in self.running:
            self.running.pop(kind).stop()

    def stop(self) -> None:
        for running in self.running.values():
            running.stop()


SHARED: Counter[str] = Counter()  # the collected modules on a shared stack, by mode
COLLECTED: Counter[str] = Counter()  # the collected tests by kind (:func:`_kind`): flows, schemathesis'


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``make web-check`` runs the suite on two pytest-xdist workers (``--dist loadfile
    --no-loadscope-reorder``): a module's tests stay on one worker (its flows share its workspace),
    and the modules come in this order, those on a stack of their own first (schemathesis' two, the
    longest), so that each worker starts with one of them and the flows fill in around them."""
    items.sort(key=lambda item: not _own_stack(item))


def _own_stack(item: pytest.Item) -> bool:
    """A test on a local stack of its own: it takes a ``stack`` but no ``workspace`` on the shared ones."""
    names = getattr(item, "fixturenames", ())
    return "stack" in names and "workspace" not in names


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected
def pytest_collection_finish(session: pytest.Session) -> None:
    """Count the modules on the shared stacks: those whose ``stack`` is this file's (it needs their
    ``workspace``), not one of their own (the test_schemathesis_* modules'), by stack kind (a module
    with a person flow on ``make stack``'s), and the tests by kind."""
    items = session.items
    functions = [item for item in items if isinstance(item, pytest.Function)]
    PERSON_MODULES.clear()
    PERSON_MODULES.update(item.module.__name__ for item in functions if item.get_closest_marker(PERSON))
    modules = {item.module for item in functions if "workspace" in item.fixturenames}
    SHARED.clear()
    SHARED.update(_kind_of(module) for module in modules)
    _collected([item.nodeid for item in items])


def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """The controller's count of the tests, which it does not collect itself: a worker's collection
    (every worker collects the same)."""
    _collected(ids)


def _collected(nodeids: list[str]) -> None:
    COLLECTED.clear()
    COLLECTED.update(_kind(nodeid) for nodeid in nodeids)


def _kind(nodeid: str) -> str:
    """A test's kind: "flow" in a test_console_* module (and test_sandbox_screen), "schemathesis" in a
    test_schemathesis* module (a part that reports its RESULT line), else "other"."""
    module = nodeid.split("::", maxsplit=1)[0].rsplit("/", 1)[-1]
    if module.startswith(("test_console_", "test_sandbox_screen")):
        return "flow"
    return "schemathesis" if module.startswith("test_schemathesis") else "other"


@pytest.fixture(scope="session")
def stacks() -> Iterator[Stacks]:
    made = Stacks(SHARED)
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture(scope="module")
def workspace(request: pytest.FixtureRequest) -> str:
    """The key of this module's own Notion workspace in the sandbox (``test_console_team`` -> "team"):
    a copy of the demo's, so its people are ``ada@<key>.example`` and ``grace@<key>.example`` (an
    underscore of the key a hyphen: local.notion_sandbox.model.person_email)."""
    return str(request.module.__name__).rsplit(".", 1)[-1].removeprefix("test_console_")


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest, stacks: Stacks, workspace: str) -> Iterator[LocalStack]:
    """The local stack a module's flows run on, the console served at ``stack.console_url``; a module's
    ``STACK_NOTIFY = "live"`` sends notifications to the sandboxes, as ``make stack`` does, and a
    module with a person flow runs on ``make stack``'s own (:func:`unstarted`). Modules share a stack,
    each isolated in its own tenant: its own workspace (:func:`workspace`, named "Demo
    workspace" as the demo's is), which Notion's consent approves from now on (who approves: its
    owner); nothing a module does reaches another's tenant."""
    kind = _kind_of(request.module)
    running = stacks.get(kind)
    if kind == DEFAULTS:  # make stack calls Cloud Scheduler's jobs all along: so does this one
        assert running.jobs is not None and running.jobs.thread.is_alive(), "no scheduler on make stack's"
    try:
        running.sandbox_admin(
            "POST", "/workspaces", {"key": workspace, "name": "Demo workspace", "seed": "demo"}
        )
        running.sandbox_admin("POST", "/oauth", {"workspace": workspace, "user_id": None})
        yield running
    finally:
        stacks.done(kind)


@pytest.fixture(scope="module")
def setup(
    request: pytest.FixtureRequest, stack: LocalStack, browser: Browser, figures: Figures, workspace: str
) -> Iterator[Setup]:
    """A module's workspace on its stack, with the browser's tabs and the api's calls
    (tests.web.workspace.set_up): one per test module, as each module's flows share it. A person
    flow's module is set up on onboarding's screens, as a newcomer does it."""
    on_screens = request.module.__name__ in PERSON_MODULES
    with set_up(stack, browser, figures, workspace, on_screens) as made:
        yield made


@pytest.fixture(autouse=True)
def flows_tabs_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    """The tabs a flow opened on its module's :func:`setup` closed once the flow ends (those its
    module's fixtures opened stay): each open tab polls the api every few seconds, so a module's later
    flows paid the browser's and the stack's CPU for every tab its earlier flows had left open."""
    if "setup" not in request.fixturenames:
        yield
        return
    made: Setup = request.getfixturevalue("setup")
    opened = len(made.contexts)
    yield
    close_tabs(made, opened)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = launch(playwright)
        try:
            yield launched
        finally:
            launched.close()


def pytest_configure(config: pytest.Config) -> None:
    global DISTRIBUTING  # noqa: PLW0603  # a fact of the session, set once before any test
    config.addinivalue_line(
        "markers", f"{PERSON}: a flagship flow done whole as a person does it (the RESULT's person_flows)"
    )
    worker = hasattr(config, "workerinput")
    DISTRIBUTING = not worker and bool(getattr(config.option, "numprocesses", None))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Each test of a test_console_* module (and of test_sandbox_screen) is a flow: passed at its call,
    failed at any phase; counted where it ran (a worker's count reaches the controller with its
    other figures: :func:`pytest_testnodedown`)."""
    if DISTRIBUTING or _kind(report.nodeid) != "flow":
        return
    person = PERSON in report.keywords
    if report.when == "call" and report.passed:
        FIGURES.flows_passed += 1
        FIGURES.person_flows += person
    elif report.failed:
        FIGURES.flows_failed += 1
        FIGURES.person_flows_failed += person


def problems() -> list[str]:
    """What keeps the RESULT line from meeting its goals."""
    found = []
    if FIGURES.flows_failed:
        found.append(f"{FIGURES.flows_failed} flow(s) failed")
    elif FIGURES.flows_passed != COLLECTED["flow"]:  # a worker's figures lost, or a flow skipped
        found.append(f"flows_passed={FIGURES.flows_passed} of the {COLLECTED['flow']} flows collected")
    parts = sum(line.startswith("RESULT schemathesis") for line in FIGURES.lines)
    if parts != COLLECTED["schemathesis"]:
        found.append(f"schemathesis: {parts} of its {COLLECTED['schemathesis']} parts reported")
    if FIGURES.axe_serious:
        found.append("axe: " + "; ".join(FIGURES.violations))
    if FIGURES.schemathesis_failures:
        found.append(f"schemathesis: {FIGURES.schemathesis_failures} failure(s)")
    if FIGURES.schemathesis_checks not in (None, "all"):
        found.append(f"schemathesis: checks that never ran: {FIGURES.schemathesis_checks}")
    if FIGURES.stateful == 0:
        found.append("schemathesis' stateful phase reached no operation through a link")
    if FIGURES.phone_overflow:
        found.append(f"{FIGURES.phone_overflow} element(s) wider than a 390 px screen")
    if FIGURES.person_flows_failed:
        found.append(f"{FIGURES.person_flows_failed} person flow(s) failed")
    if os.environ.get("NA_WEB_CHECK") == "1" and FIGURES.person_flows < PERSON_FLOWS_MIN:
        found.append(f"person_flows={FIGURES.person_flows}, fewer than {PERSON_FLOWS_MIN} ran whole")
    if FIGURES.bundle_gzip_kb is not None and FIGURES.bundle_gzip_kb > BUNDLE_LIMIT_KB:
        found.append(f"the bundle is {FIGURES.bundle_gzip_kb} KB gzipped, over {BUNDLE_LIMIT_KB}")
    if os.environ.get("NA_WEB_CHECK") == "1":
        if not FIGURES.flows_passed:
            found.append("no browser flow ran")
        if FIGURES.schemathesis_failures is None:
            found.append("schemathesis did not run")
        if FIGURES.schemathesis_checks is None or FIGURES.stateful is None:
            found.append("schemathesis' checks or its stateful phase did not run")
        if FIGURES.bundle_gzip_kb is None:
            found.append("the bundle was not measured")
        if FIGURES.phone_overflow is None:
            found.append("no screen was measured at 390 px")
    return found


def result_line() -> str:
    def shown(value: object) -> str:
        return "unmeasured" if value is None else str(value)

    return (
        f"RESULT flows_passed={FIGURES.flows_passed} flows_failed={FIGURES.flows_failed} "
        f"axe_serious={FIGURES.axe_serious} schemathesis_failures={shown(FIGURES.schemathesis_failures)} "
        f"schemathesis_gaps={shown(FIGURES.schemathesis_gaps)} "
        f"schemathesis_checks={shown(FIGURES.schemathesis_checks)} stateful={shown(FIGURES.stateful)} "
        f"phone_overflow={shown(FIGURES.phone_overflow)} bundle_gzip_kb={shown(FIGURES.bundle_gzip_kb)} "
        f"person_flows={FIGURES.person_flows} person_flows_failed={FIGURES.person_flows_failed}"
    )


def pytest_testnodedown(node: Any, error: object) -> None:
    """A pytest-xdist worker's figures, added to the controller's (which ran no test)."""
    if figures := getattr(node, "workeroutput", {}).get("web_figures"):
        FIGURES.add(figures)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a worker: the controller judges the figures of all
        workeroutput["web_figures"] = asdict(FIGURES)
        return
    if problems() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in FIGURES.lines:
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"screens: {', '.join(FIGURES.screens) or 'none'} (build/screenshots/)")
    for problem in problems():
        terminalreporter.write_line(f"FAILED goal: {problem}")
    terminalreporter.write_line(result_line())
