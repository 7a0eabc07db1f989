"""What the two schemathesis tests of ``make web-check`` share (tests/web/api): the seeded workspace
(runs, keys, links, a member), the generated requests' tally, schemathesis' own engine, and each part's
report handed to the session's end (tests/web/conftest.py sums the figures of both, whichever worker
ran them). The tests are two modules so that ``--dist loadfile`` puts them on two workers."""

import copy
import json
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import CHECKS as SHIPPED
from schemathesis.checks import is_check_class, load_all_checks, max_response_time
from schemathesis.config import OperationConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.engine import events
from schemathesis.filters import FilterSet
from schemathesis.specs.openapi.checks import ignored_auth

from local.code_sandbox import SEED as CODE_SEED
from local.demo import connect, http, wait_for
from local.stack import LocalStack
from shared.platform.topology import Queue
from shared.workspace.domain.connecting.connection import session_cookie
from tests.support.platform.excuses import excused
from tests.web.browser import Figures

ROOT = Path(__file__).resolve().parents[3]
CASES = 50  # generated per operation and credential: hypothesis' max_examples
# A role is a matrix (decision 0222): one valid request of an operation says whether a member in a
# role may make it (its answer, or the documented 403), the same request for each of her roles; so
# for the key and an operation whose contract admits no key (schemathesis' engine sends it the key
# with every edge of its schema, tests/web/api/test_schemathesis_engine.py).
MATRIX_CASES = 1
MEMBER_ROLES = ("viewer", "editor", "admin")  # one member, given each role in turn: her session follows
load_all_checks()
# Every check it ships: those registered, and the answer's time (10 s at most, its default limit).
CHECKS = [*(check for check in SHIPPED.get_all() if not is_check_class(check)), max_response_time]
STEPS = 12  # the stateful phase's steps per scenario at most
SCENARIOS = 50  # the stateful phase's scenarios per credential
# The credentials schemathesis' own engine runs as; each has a run of its own waiting for a decision.
ENGINE_CREDENTIALS = ("key", "owner")
# A decision pass's operations: the runs' reads and decisions, nothing else that would move a waiting
# run on (a pause or a cancel) before a link brings its request's id to a decision.
DECISION_OPERATIONS = {
    "GET /runs",
    "GET /runs/{run_id}",
    "GET /runs/{run_id}/related",
    *(f"POST /runs/{{run_id}}/{way}" for way in ("approve", "reject", "answer")),
}


REJECTED = "Schema-valid request rejected"
# Known gaps, by failure and operation, NOT fixed yet: each is counted and printed, and one no longer
# met must leave this table (docs/decisions/0076). None now (docs/decisions/0078).
GAPS: dict[tuple[str, str], str] = {}
LAST = ("DELETE /connection", "DELETE /session")  # end the workspace's keys and sessions, its sessions
SCOPES = ["read", "runs:start", "runs:decide", "runs:control"]


class Seeded(NamedTuple):
    browser: dict[str, str]  # the console's: its session cookie, Origin and CSRF token
    key: str
    done: str  # a finished run
    asks: str  # a run waiting for a decision
    request_id: str  # the decision it waits for
    approve: str  # the token of its mailed approve link
    confirmation: str  # the token of the link confirming notification_email
    spare_key_id: str  # a key no request uses
    home_page: str  # the sandbox page the agent's home is under
    teammate: str  # the sandbox's user invited as a member once schemathesis' engine has run
    waiting: dict[str, str]  # a run waiting for a decision for each engine's credential alone
    member: dict[str, str] | None = None  # her session (Grace, invited as viewer): her role changes per pass
    member_id: str = ""

    def known(self) -> dict[str, list[dict[str, Any]]]:
        """Requests with what generation cannot find (real ids and tokens) by operation: their answers
        are checked as the generated ones are."""
        runs = [{"path_parameters": {"run_id": r}} for r in (self.done, self.asks)]
        stale = {"path_parameters": {"run_id": self.asks}, "body": {"request_id": self.request_id + "-old"}}
        ended, held = ({"path_parameters": {"run_id": r}, "body": {}} for r in (self.done, self.asks))
        slack = {"path_parameters": {"name": "slack"}, "body": {"token": CODE_SEED["slack_token"]}}
        return {
            "GET /runs/{run_id}": runs,
            **{f"POST /runs/{{run_id}}/{d}": [stale] for d in ("approve", "reject", "answer")},
            "POST /runs/{run_id}/cancel": [ended],
            "POST /runs/{run_id}/again": [ended],
            "GET /runs/{run_id}/undo": runs,
            "POST /runs/{run_id}/undo": [held],  # refused: the run has not ended
            **{f"POST /runs/{{run_id}}/{c}": [ended, held] for c in ("pause", "resume")},
            "PUT /integrations/{name}": [slack],
            "POST /home": [{"body": {"parent_page_id": self.home_page, "tasks": "auto"}}],
            "DELETE /api-keys/{key_id}": [{"path_parameters": {"key_id": self.spare_key_id}}],
            "POST /links/preview": [{"body": {"token": self.approve}}],
            "POST /links/decide": [{"body": {"token": self.approve}}],  # the run goes on (its step held)
            "POST /email-confirmations/preview": [{"body": {"token": self.confirmation}}],
            "POST /email-confirmations/confirm": [{"body": {"token": self.confirmation}}],
            "PATCH /settings": [{"body": {"planning_hour": 9, "quiet_hours": [22, 7]}}],
        }


def _outbox_token(stack: LocalStack, link: str) -> str:
    """The token of the first ``link`` (approve, reject, confirm) a mail in the outbox carries."""

    def found() -> str | None:
        for path in sorted(stack.outbox_dir.glob("*.json")):
            url = json.loads(path.read_text()).get("links", {}).get(link)
            if url:
                return str(url).partition("#")[2]
        return None

    return wait_for(found, f"a mail with a {link} link")


def seed(stack: LocalStack) -> Seeded:
    api, ids = stack.url_of_api(), stack.sandbox_admin("GET", "/workspaces/demo/state")["ids"]
    browser = connect(stack)

    def call(method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answered, answer, _ = http(method, api + path, body, browser)
        assert answered == status, (method, path, answered, answer)
        return answer

    key = call("POST", "/api-keys", {"name": "schemathesis", "scopes": SCOPES}, 201)["key"]
    spare = call("POST", "/api-keys", {"name": "spare"}, 201)["key_id"]
    done = call("POST", "/runs", {"goal": "Write a note on the launch"}, 202)["run_id"]
    asks, *waiting = (
        call("POST", "/runs", {"goal": "Plan it", "page_id": ids["idea_newsletter"]}, 202)["run_id"]
        for _ in range(1 + len(ENGINE_CREDENTIALS))
    )
    settled = [(done, "completed"), *((run_id, "waiting_for_human") for run_id in (asks, *waiting))]
    for run_id, status in settled:

        def reached(run_id: str = run_id, status: str = status) -> bool:
            return bool(http("GET", f"{api}/runs/{run_id}", None, browser)[1].get("status") == status)

        wait_for(reached, f"run {run_id} {status}")
    call("PATCH", "/settings", {"notification_email": "owner@example.com"})
    call("POST", "/home", {"parent_page_id": ids["home_page"], "tasks": "auto"})
    request_id = call("GET", f"/runs/{asks}")["waiting"]["request_id"]
    approve, confirmation = _outbox_token(stack, "approve"), _outbox_token(stack, "confirm")
    for queue in Queue:  # from here on tasks are queued, never delivered: nothing runs meanwhile
        hold = f"http://{stack.tasks_admin}/queues/{queue.value}:hold"
        urllib.request.urlopen(urllib.request.Request(hold, data=b"{}", method="POST"), timeout=5).close()
    return Seeded(
        browser,
        key,
        done,
        asks,
        request_id,
        approve,
        confirmation,
        spare,
        ids["home_page"],
        ids["teammate"],
        # the newest first, as GET /runs lists them: the first pass's list reaches its own run
        waiting=dict(zip(ENGINE_CREDENTIALS, reversed(waiting), strict=True)),
    )


def with_member(stack: LocalStack, seeded: Seeded) -> Seeded:
    """``seeded`` with a teammate invited as viewer and signed in with Notion through the invite (her
    session, her id): made after the engine, whose owner may remove members."""
    api, user_id = stack.url_of_api(), seeded.teammate

    def call(method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answered, answer, _ = http(method, api + path, body, seeded.browser)
        assert answered == status, (method, path, answered, answer)
        return answer

    link = call("POST", "/team/invites", {"email": "grace@demo.example", "role": "viewer"}, 201)["link"]
    stack.sandbox_admin("POST", "/oauth", {"user_id": user_id})
    try:
        session = connect(stack, invite=str(link).split("#invite=", 1)[1].split("&", 1)[0])
    finally:
        stack.sandbox_admin("POST", "/oauth", {"user_id": None})
    team = call("GET", "/team")["members"]
    member_id = next(m["member_id"] for m in team if m["email"] == "grace@demo.example")
    return seeded._replace(member=session, member_id=member_id)


class Tally:
    """Distinct cases per operation and credential, and the failures, described without credentials."""

    def __init__(self, headers: dict[str, dict[str, str]]) -> None:
        self.headers, self.http = headers, requests.Session()
        self.cases: dict[tuple[str, str], set[str]] = {}
        self.answered: dict[tuple[str, str], set[int]] = {}  # the statuses each one got
        self.statuses: Counter[int] = Counter()
        self.modes: Counter[str] = Counter()  # generated within the schema (positive) or beside it
        self.failures: list[str] = []
        self.excused = 0  # failures :func:`excused` lets pass
        self.gaps: Counter[tuple[str, str]] = Counter()  # failures of GAPS met
        self.auth_probed: set[tuple[str, str]] = set()  # (operation, credential) ignored_auth probed
        self.raised = ""  # the last case whose sending raised (a refused connection, a timeout)
        # The distinct cases drawn so far per (operation, whether it has inputs), in the order drawn:
        # each later credential is sent these first, as drawing them again would give the same ones.
        self.drawn: dict[tuple[str, bool], list[Any]] = {}
        self.exhausted: set[tuple[str, bool]] = set()  # fewer distinct cases exist than were asked

    def _seen(self, case: Any, credential: str) -> str:
        sent_headers = {**(case.headers or {}), **self.headers[credential]}  # ours win, as sent
        headers = {name.lower(): value for name, value in sent_headers.items()}
        return json.dumps(
            [case.formatted_path, case.query, headers, _body(case)], default=str, sort_keys=True
        )

    def new(self, case: Any, credential: str) -> bool:
        """Whether ``case`` differs from every case sent so far for its operation and ``credential``;
        the case whose sending raised is new again, as hypothesis runs it once more to report it."""
        sent = self.cases.setdefault((case.operation.label, credential), set())
        seen = self._seen(case, credential)
        if seen in sent and seen != self.raised:
            return False
        sent.add(seen)
        return True

    def send(self, case: Any, credential: str) -> None:
        try:
            self._send(case, credential)
        except BaseException:
            self.raised = self._seen(case, credential)
            raise

    def _send(self, case: Any, credential: str) -> None:
        label, headers = case.operation.label, self.headers[credential]
        response = case.call(session=self.http, headers=headers)
        self.modes[case.meta.generation.mode.value if case.meta else "known"] += 1
        self.statuses[response.status_code] += 1
        self.answered.setdefault((label, credential), set()).add(response.status_code)
        # ignored_auth sends the request again without and with a wrong credential: once a success
        # of the operation as this credential has been probed, as schemathesis' engine does.
        probed = (label, credential) in self.auth_probed
        checks = [c for c in CHECKS if not (probed and c is ignored_auth)]
        if 200 <= response.status_code < 300:
            self.auth_probed.add((label, credential))
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                if excused(failure, response.status_code, response.content, label):
                    self.excused += 1
                    continue
                if (failure.title, label) in GAPS:
                    self.gaps[(failure.title, label)] += 1
                    continue
                said = " ".join(str(failure.message).split())[:300]
                sent = f"{case.formatted_path!r} {case.query or ''} {_shown(_body(case))}"[:200]
                self.failures.append(
                    f"{label} ({credential}) {sent} -> {response.status_code} {response.content[:200]!r}: "
                    f"{failure.title}: {said}"
                )


def _body(case: Any) -> Any:
    body = case.body
    return None if type(body).__name__ == "NotSet" else body


def _shown(body: Any) -> str:
    """A body as a failure names it: an object by its keys (a link's token is a credential)."""
    return f"{{{', '.join(sorted(body))}}}" if isinstance(body, dict) else repr(body)[:80]


def has_inputs(operation: Any, fixed: dict[str, str]) -> bool:
    """Whether ``operation`` has a body or parameters besides the ``fixed`` headers (a credential's:
    the session's X-CSRF-Token); without, its one request is its only case."""
    ours = {name.lower() for name in fixed}
    return bool(operation.body) or any(p.name.lower() not in ours for p in operation.iter_parameters())


def fuzz(operation: Any, tally: Tally, credential: str, cases: int = CASES, valid: bool = False) -> None:
    """``cases`` distinct generated requests of ``operation`` (fewer when its parameters have fewer
    values): within its schema, and beside it where it has parameters or a body to break; ``valid``:
    within it only. The cases an earlier credential drew are sent first: hypothesis draws
    derandomized, so drawing again would give the same ones at the cost of drawing them (half of the
    CPU this suite spent in its own process)."""
    inputs = has_inputs(operation, tally.headers[credential])
    cases = cases if inputs else 1  # without inputs, its one request is its only case
    drawn = tally.drawn.setdefault((operation.label, inputs), [])
    sent = 0
    for case in [c for c in drawn if not valid or _positive(c)][:cases]:
        if tally.new(case, credential):
            tally.send(case, credential)
            sent += 1
    if sent >= cases or (operation.label, inputs) in tally.exhausted:
        return
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)
    if inputs and not valid:
        negative = operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
        strategy = st.one_of(strategy, negative)

    @hypothesis.settings(
        max_examples=cases - sent,  # those replayed are drawn again first, and refused as seen
        deadline=None,
        database=None,
        derandomize=True,  # the same cases at every run, and for every credential
        phases=[Phase.generate],  # no shrinking: a failure is reported as it was found
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        hypothesis.assume(tally.new(case, credential))  # a case drawn again is no case: draw another
        drawn.append(case)
        tally.send(case, credential)

    run()
    if not valid and len(tally.cases.get((operation.label, credential), ())) < cases:
        tally.exhausted.add((operation.label, inputs))


def matrix(operation: Any, credential: str) -> bool:
    """Whether ``credential`` on ``operation`` is a cell of the roles' matrix (``MATRIX_CASES``, one
    valid request): a member's role, or the key where the contract's security admits no key."""
    admits_key = any("apiKey" in way for way in operation.definition.raw["security"])
    return credential in MEMBER_ROLES or (credential == "key" and not admits_key)


def _positive(case: Any) -> bool:
    """Whether ``case`` was generated within its operation's schema."""
    return bool(case.meta and case.meta.generation.mode == schemathesis.GenerationMode.POSITIVE)


def give_role(stack: LocalStack, seeded: Seeded, role: str) -> None:
    """The member's role becomes ``role`` (the owner's change): her session acts with it from now."""
    path = f"{stack.url_of_api()}/team/members/{seeded.member_id}"
    status, answer, _ = http("PATCH", path, {"role": role}, seeded.browser)
    assert status == 200 and answer["role"] == role, (status, answer)


def served_contract(stack: LocalStack) -> dict[str, Any]:
    """The contract as the api serves it, which must be the committed one, calling the stack's api.
    Its session cookie is named as the stack's plain-http frontend names it (``na_session``, as the
    contract says): ignored_auth removes that cookie to see the api refuse without it."""
    served = requests.get(stack.url_of_api() + "/openapi.json", timeout=10)
    assert served.json() == json.loads((ROOT / "docs" / "api" / "openapi.json").read_text())
    document: dict[str, Any] = served.json()
    cookie = document["components"]["securitySchemes"]["sessionCookie"]
    assert cookie["name"] == session_cookie("https://").name and "`na_session`" in cookie["description"]
    cookie["name"] = session_cookie(stack.console_url).name
    return document


def loaded(document: dict[str, Any], api: str) -> Any:
    """schemathesis' own schema of ``document``, with a configuration of its own, calling ``api``."""
    contract = schemathesis.openapi.from_dict(copy.deepcopy(document))  # from_url: its own route left out
    contract.config.update(base_url=api)  # its servers say /api: the load balancer's prefix
    contract.config.generation.update(with_security_parameters=False)  # the credentials are ours
    return contract


class Engine(NamedTuple):
    """What one run of schemathesis' own engine (its coverage and stateful phases) found."""

    checks: set[str]  # the checks that ran on at least one answer
    linked: Counter[str]  # steps reached through a link, by the operation they reached and its status
    cases: int
    failures: list[str]
    excused: int  # failures :func:`excused` lets pass
    gaps: Counter[tuple[str, str]]  # failures of GAPS met
    seconds: float
    after_decision: int = 0  # a decision pass's scenarios that ended after the one deciding its run


def engine(
    contract: Any, headers: dict[str, str], credential: str, waiting: str, deciding: bool = False
) -> Engine:
    """schemathesis' engine with every check it ships: its coverage phase (each operation's edges:
    missing headers, methods the path does not take) and its stateful phase (the contract's links),
    as ``credential``; the calls that end credentials are left to the passes that run last. ``GET
    /runs/{run_id}`` reads the run ``waiting`` for a decision: its links reach one in that state.
    ``deciding``: the stateful phase alone, over the runs' reads and decisions (``DECISION_OPERATIONS``),
    so that its scenarios walk from that read to the run's decision, where it stops."""
    schema = contract.exclude(func=lambda ctx: ctx.operation.label in LAST)
    if deciding:
        schema = schema.include(func=lambda ctx: ctx.operation.label in DECISION_OPERATIONS)
    reads = FilterSet()
    reads.include(operation_id="runs_get_run")
    schema.config.operations.operations.append(
        OperationConfig(filter_set=reads, parameters={"path.run_id": waiting})
    )
    schema.config.update(headers=headers, workers=1)
    schema.config.checks.update(included_check_names=["all"])
    schema.config.phases.update(phases=["stateful"] if deciding else ["coverage", "stateful"])
    schema.config.phases.stateful.max_steps = STEPS
    # The contract's own links only: links schemathesis infers (GET /team's members to DELETE
    # /team/members/{member_id}) would remove the seeded member the later passes sign in as.
    schema.config.phases.stateful.inference.algorithms = []
    schema.config.phases.stateful.generation.update(max_examples=SCENARIOS)
    started = time.monotonic()
    schema.config.seed = 1
    checks, linked, cases, failures, excuses = set[str](), Counter[str](), 0, list[str](), 0
    gaps = Counter[tuple[str, str]]()
    scenarios, decided_at = 0, 0
    stream = schemathesis.engine.from_schema(schema).execute()
    for event in stream:
        if isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"({credential}) schemathesis could not run: {event}")
        if isinstance(event, events.PhaseStarted) and event.payload is not None:
            print(f"  stateful ({credential}): {event.payload}")
        if isinstance(event, events.EngineFinished):
            failures += [f"({credential}, after the run) {f.title}: {f.message}" for f in event.failures]
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        scenarios, cases = scenarios + 1, cases + len(recorder.cases)
        for case_id, node in recorder.cases.items():
            answer = recorder.interactions.get(case_id)
            if node.is_transition_applied and answer is not None and answer.response is not None:
                linked[f"{node.value.operation.label} {answer.response.status_code}"] += 1
        if deciding and not decided_at and _decisions(linked):
            # Its run decided through a link: what the pass is for. The scenarios after it walked the
            # same runs' links (the full passes walk them too) on a run no longer waiting: 93% of the
            # pass's requests (decision 0176). The stream still ends with EngineFinished.
            decided_at = scenarios
            stream.stop()
        for case_id, found in recorder.checks.items():
            for check in found:
                checks.add(check.name)
                if check.failure_info is None:
                    continue
                case, answer = recorder.cases[case_id].value, recorder.interactions.get(case_id)
                said = " ".join(str(check.failure_info.failure.message).split())[:300]
                status, got = (
                    (answer.response.status_code, answer.response.content)
                    if answer and answer.response
                    else (0, b"")
                )
                if excused(check.failure_info.failure, status, got, case.operation.label):
                    excuses += 1
                    continue
                if (check.failure_info.failure.title, case.operation.label) in GAPS:
                    gaps[(check.failure_info.failure.title, case.operation.label)] += 1
                    continue
                got = got[:200]
                sent = f"{case.formatted_path!r} {case.query or ''} {_shown(_body(case))}"[:200]
                failures.append(
                    f"{case.operation.label} ({credential}, {event.phase.value}) {sent} -> {got!r}: "
                    f"{check.name}: {check.failure_info.failure.title}: {said}"
                )
    after = scenarios - decided_at if decided_at else 0
    return Engine(checks, linked, cases, failures, excuses, gaps, time.monotonic() - started, after)


def report(
    tally: Tally | None,
    engines: dict[str, Engine],
    operations: list[Any],
    elapsed: float,
    figures: Figures,
) -> None:
    """One part's figures (the generated requests of ``tally``, or the ``engines``' passes): each
    operation's distinct cases and statuses and the steps links reached (shown with a failure); the
    totals and the part's RESULT line go to ``figures``, which the session prints at its end."""
    answered = tally.answered if tally else {}
    for (label, who), sent in sorted(tally.cases.items()) if tally else ():
        print(f"  {len(sent):3} {label} ({who}): {sorted(answered[(label, who)])}")
    for who, found in engines.items():
        print(f"  linked steps ({who}): {dict(sorted(found.linked.items()))}")
    failures = (len(tally.failures) if tally else 0) + sum(len(f.failures) for f in engines.values())
    excused = (tally.excused if tally else 0) + sum(found.excused for found in engines.values())
    met = sum((found.gaps for found in engines.values()), tally.gaps if tally else Counter())
    linked = {who: found.linked.total() for who, found in engines.items()}
    lines: list[str] = []
    if tally:
        total = sum(len(c) for c in tally.cases.values())
        lines.append(
            f"schemathesis: {tally.statuses.total()} requests in {elapsed:.0f} s, {dict(tally.modes)}"
        )
        lines.append(f"  statuses {dict(sorted(tally.statuses.items()))}")
    else:
        ran = {who: (found.cases, f"{found.seconds:.0f} s") for who, found in engines.items()}
        lines.append(f"schemathesis' engine (coverage, stateful) cases {ran}, linked steps {linked}")
    lines.append(f"  excused: {excused} (a 400 for a rule no schema states: decision 0076)")
    lines.append(f"  known gaps NOT fixed: {sum(met.values())} failures of {len(met)} (GAPS)")
    for (title, label), n in sorted(met.items()):
        lines.append(f"    {n:3} {label}: {title}: {GAPS[(title, label)]}")
    if tally:
        lines.append(f"RESULT schemathesis_operations={len(operations)} cases={total} failures={failures}")
    else:
        lines.append(
            f"RESULT schemathesis_engine_cases={sum(f.cases for f in engines.values())} "
            f"failures={failures} checks={len(CHECKS)} linked_steps={sum(linked.values())} "
            f"linked_decisions={decided(*engines.values())}"
        )
    figures.lines += lines


def decided(*engines: Engine) -> int:
    """Decisions the stateful phase made through a link, on a run that waited for one (a 200)."""
    return sum(_decisions(found.linked) for found in engines)


def _decisions(linked: Counter[str]) -> int:
    """The decisions among ``linked`` steps (``"<method> <path> <status>"``): a 200 of approve,
    reject or answer."""
    ways = ("approve", "reject", "answer")
    return sum(
        n
        for step, n in linked.items()
        if step.endswith(" 200") and step.split(" ")[1].rsplit("/", 1)[1] in ways
    )


def counted(figures: Figures, failures: list[str], met: Counter[tuple[str, str]]) -> None:
    """Add one part's failures and known gaps met to the suite's figures (the parts may run in two
    processes: tests/web/conftest.py sums what each measured)."""
    figures.schemathesis_failures = (figures.schemathesis_failures or 0) + len(failures)
    figures.schemathesis_gaps = (figures.schemathesis_gaps or 0) + sum(met.values())
