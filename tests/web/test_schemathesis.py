"""schemathesis against the live local api: every operation of the contract it serves
(``GET /openapi.json``), generated requests with an API key and with a session (cookie, Origin, CSRF
token) of each role: a member as viewer, editor, then admin, and the owner. No 5xx, every answer as
the contract says (a role's refusal is its documented 403). Prints a ``RESULT`` line.

The workspace is connected through the sandbox's OAuth and seeded (a finished run, one waiting for a
decision with its mailed links, a confirmation link, the agent's home); then every queue is held, so
generated ``POST /runs`` only queue work. ``DELETE /connection`` ends every credential and ``DELETE
/session`` every session: they run last, in that order (a disconnect needs a session).
"""

import json
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local.code_sandbox import SEED as CODE_SEED
from local.demo import connect, http, wait_for
from local.stack import LocalStack
from shared.topology import Queue
from tests.web.browser import Figures

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CASES = 50  # generated per operation and credential: hypothesis' max_examples
MEMBER_CASES = 10  # per operation as each member role: most answers are one 403, the owner's pass is full
MEMBER_ROLES = ("viewer", "editor", "admin")  # one member, given each role in turn: her session follows
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
LAST = ("DELETE /connection", "DELETE /session")  # end the workspace's keys and sessions, its sessions
SCOPES = ["read", "runs:start", "runs:decide", "runs:control"]
# Generated requests reach Notion's sandbox far faster than Notion's 3 a second: no pacing here, so a
# busy moment is no 503 (which not_a_server_error would count); nor the api's pace per person, so
# generated requests reach their handlers rather than a 429.
FAST_NOTION = {
    "NA_NOTION_RATE_PER_S": "1000",
    "NA_NOTION_BURST": "1000",
    "NA_API_PERSON_PER_MIN": "600000",
    "NA_API_KEY_PER_MIN": "600000",
    "NA_API_BURST": "10000",
}


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
    member: dict[str, str]  # a member's session (Grace, invited as viewer): her role changes per pass
    member_id: str

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


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(extra_env=FAST_NOTION) as running:
        yield running


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
    asks = call("POST", "/runs", {"goal": "Plan it", "page_id": ids["idea_newsletter"]}, 202)["run_id"]
    for run_id, status in ((done, "completed"), (asks, "waiting_for_human")):

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
    member, member_id = _member(stack, call, ids["teammate"])
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
        member,
        member_id,
    )


def _member(stack: LocalStack, call: Any, user_id: str) -> tuple[dict[str, str], str]:
    """A teammate invited as viewer and signed in with Notion through the invite: her session, id."""
    link = call("POST", "/team/invites", {"email": "grace@demo.example", "role": "viewer"}, 201)["link"]
    stack.sandbox_admin("POST", "/oauth", {"user_id": user_id})
    try:
        session = connect(stack, invite=str(link).rsplit("=", 1)[1])
    finally:
        stack.sandbox_admin("POST", "/oauth", {"user_id": None})
    team = call("GET", "/team")["members"]
    return session, next(m["member_id"] for m in team if m["email"] == "grace@demo.example")


class Tally:
    """Distinct cases per operation and credential, and the failures, described without credentials."""

    def __init__(self, headers: dict[str, dict[str, str]]) -> None:
        self.headers, self.http = headers, requests.Session()
        self.cases: dict[tuple[str, str], set[str]] = {}
        self.answered: dict[tuple[str, str], set[int]] = {}  # the statuses each one got
        self.statuses: Counter[int] = Counter()
        self.modes: Counter[str] = Counter()  # generated within the schema (positive) or beside it
        self.failures: list[str] = []

    def new(self, case: Any, credential: str) -> bool:
        """Whether ``case`` differs from every case sent so far for its operation and ``credential``."""
        sent = self.cases.setdefault((case.operation.label, credential), set())
        sent_headers = {**(case.headers or {}), **self.headers[credential]}  # ours win, as sent
        headers = {name.lower(): value for name, value in sent_headers.items()}
        seen = json.dumps(
            [case.formatted_path, case.query, headers, _body(case)], default=str, sort_keys=True
        )
        if seen in sent:
            return False
        sent.add(seen)
        return True

    def send(self, case: Any, credential: str) -> None:
        label, headers = case.operation.label, self.headers[credential]
        response = case.call(session=self.http, headers=headers)
        self.modes[case.meta.generation.mode.value if case.meta else "known"] += 1
        self.statuses[response.status_code] += 1
        self.answered.setdefault((label, credential), set()).add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                said = " ".join(str(failure.message).split())[:300]
                sent = f"{case.formatted_path!r} {case.query or ''} {_shown(_body(case))}"[:200]
                self.failures.append(
                    f"{label} ({credential}) {sent} -> {response.status_code}: {failure.title}: {said}"
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


def fuzz(operation: Any, tally: Tally, credential: str, cases: int = CASES) -> None:
    """``cases`` distinct generated requests of ``operation`` (fewer when its parameters have fewer
    values): within its schema, and beside it where it has parameters or a body to break."""
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)
    if has_inputs(operation, tally.headers[credential]):
        negative = operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
        strategy = st.one_of(strategy, negative)

    @hypothesis.settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases at every run
        phases=[Phase.generate],  # no shrinking: a failure is reported as it was found
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        hypothesis.assume(tally.new(case, credential))  # a case drawn again is no case: draw another
        tally.send(case, credential)

    run()


def give_role(stack: LocalStack, seeded: Seeded, role: str) -> None:
    """The member's role becomes ``role`` (the owner's change): her session acts with it from now."""
    path = f"{stack.url_of_api()}/team/members/{seeded.member_id}"
    status, answer, _ = http("PATCH", path, {"role": role}, seeded.browser)
    assert status == 200 and answer["role"] == role, (status, answer)


def served_contract(api: str) -> Any:
    """The contract as the api serves it, which must be the committed one, calling ``api``."""
    served = requests.get(api + "/openapi.json", timeout=10)
    assert served.json() == json.loads((ROOT / "docs" / "api" / "openapi.json").read_text())
    contract = schemathesis.openapi.from_dict(served.json())  # from_url would leave its own route out
    contract.config.update(base_url=api)  # its servers say /api: the load balancer's prefix
    contract.config.generation.update(with_security_parameters=False)  # the credentials are ours
    return contract


def report(tally: Tally, operations: list[Any], elapsed: float, capsys: pytest.CaptureFixture[str]) -> None:
    """Each operation's distinct cases and statuses (shown with a failure); the totals and the RESULT
    line go to the terminal in any case."""
    for (label, who), cases in sorted(tally.cases.items()):
        print(f"  {len(cases):3} {label} ({who}): {sorted(tally.answered[(label, who)])}")
    total = sum(len(c) for c in tally.cases.values())
    with capsys.disabled():
        print(f"\nschemathesis: {tally.statuses.total()} requests in {elapsed:.0f} s, {dict(tally.modes)}")
        print(f"  statuses {dict(sorted(tally.statuses.items()))}")
        print(
            f"RESULT schemathesis_operations={len(operations)} cases={total} failures={len(tally.failures)}"
        )


def test_every_operation_answers_as_the_contract_says_as_each_role(
    stack: LocalStack, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    started = time.monotonic()
    seeded = seed(stack)
    contract = served_contract(stack.url_of_api())
    operations = sorted(
        (op.ok() for op in contract.get_all_operations()),
        key=lambda op: LAST.index(op.label) + 1 if op.label in LAST else 0,
    )
    members = {role: seeded.member for role in MEMBER_ROLES}
    tally = Tally(
        {"key": {"Authorization": f"Bearer {seeded.key}"}, "public": {}, **members, "owner": seeded.browser}
    )
    known, wanted = seeded.known(), dict[tuple[str, str], int]()
    # The key's first, the owner's last: her DELETE /connection ends every credential. The member's
    # DELETE /session (hers alone) waits for her last role.
    for credential in tally.headers:
        if credential in MEMBER_ROLES:
            give_role(stack, seeded, credential)
        cases = MEMBER_CASES if credential in MEMBER_ROLES else CASES
        for operation in operations:
            if (operation.definition.raw["security"] == []) != (credential == "public"):
                continue
            if credential in MEMBER_ROLES[:-1] and operation.label == "DELETE /session":
                continue
            for overrides in known.get(operation.label, []):
                case = operation.Case(media_type="application/json", **overrides)
                assert tally.new(case, credential)
                tally.send(case, credential)
            fuzz(operation, tally, credential, cases)
            inputs = has_inputs(operation, tally.headers[credential])
            wanted[(operation.label, credential)] = cases if inputs else 1
    report(tally, operations, time.monotonic() - started, capsys)
    figures.schemathesis_failures = len(tally.failures)
    assert tally.failures == [], "\n".join(tally.failures)
    assert {op.label for op in operations} == {label for label, _ in tally.cases}  # every one ran
    short = {k: len(tally.cases[k]) for k, n in wanted.items() if len(tally.cases.get(k, ())) < n}
    assert short == {}, (
        f"fewer distinct cases than wanted (or the one of an operation without inputs): {short}"
    )
    refused = {who for (_, who), got in tally.answered.items() if 403 in got}
    assert set(MEMBER_ROLES) <= refused  # each member role met the routes beyond it
