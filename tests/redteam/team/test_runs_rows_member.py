"""A workspace member who edits, re-points and forges rows of the Runs database, on the whole local
stack (decision 0049). The owner's run and the member's own run each wait for the
owner; the member's asks to read the owner's weekly report and copy it onto her page. She then
re-points the owner's row at her run, makes a row of her own naming it, rewrites only her row's
Request, or its Goal, and the owner sets Approve on the row she changed, the worst owner, before the
agent saw her change. Any decision that follows is an approval the owner never saw
(``misleading_approvals``); a read of the report by her run is a ``deputy_reads`` (totals.py). Each
case then checks the row was set back or answered, and that the owner's Approve on the row as the
agent wrote it still decides (so the zeros are not for want of a working decision).
REDTEAM=full runs every attack twice, on fresh workspaces; the short form once.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest

from local.demo import http
from local.stack import LocalStack
from tests.redteam.attacker import Attacker, Case
from tests.redteam.stack import Tenant, act, new_tenant, wait
from tests.redteam.stack import attacker as attacker  # noqa: PLC0414 (this module's own)
from tests.redteam.stack import stack as stack  # noqa: PLC0414 (this module's own)
from tests.redteam.totals import COUNTS, EXERCISED, FULL, TOTALS

pytestmark = pytest.mark.redteam

APPROVE = {"properties": {"Decision": {"select": {"name": "Approve"}}}}
HELD_S = 600.0  # longer than any case: the member's change waits for the owner's Approve
AGENTS_WORDS = ("Someone other than Notion Agent changed", "Notion Agent did not make this row")


def _rich(text: str) -> dict[str, Any]:
    return {"rich_text": [{"text": {"content": text}}]}


def _title(text: str) -> dict[str, Any]:
    return {"title": [{"text": {"content": text}}]}


# -- what the member does to the rows: (the row the owner then approves, the row as the agent wrote it)
Rows = dict[str, dict[str, Any]]  # "owner", "member": each run's row as the sandbox shows it
Attack = Callable[[LocalStack, Tenant, Rows, str], str]


def re_point(stack: LocalStack, t: Tenant, rows: Rows, source: str) -> str:
    """The owner's row made to show the member's run, request and goal."""
    shown = rows["member"]["properties"]
    props = {
        "Run id": _rich(shown["Run id"]),
        "Request": _rich(shown["Request"]),
        "Goal": _title(shown["Goal"]),
    }
    act(stack, t, "PATCH", f"pages/{rows['owner']['id']}", {"properties": props})
    return str(rows["owner"]["id"])


def forge(stack: LocalStack, t: Tenant, rows: Rows, source: str) -> str:
    """A row of her own naming her run and its request, with harmless words."""
    shown = rows["member"]["properties"]
    request_id = str(shown["Request"]).split(" · ", 1)[0]
    props = {
        "Goal": _title("Fix a typo in the footer"),
        "Run id": _rich(shown["Run id"]),
        "Request": _rich(f"{request_id} · Fix a typo in the footer?"),
        "Decision": {"select": {"name": "Waiting"}},
    }
    made = act(stack, t, "POST", "pages", {"parent": {"data_source_id": source}, "properties": props})
    return str(made["id"])


def rewrite_request(stack: LocalStack, t: Tenant, rows: Rows, source: str) -> str:
    """Her own row's Request: the same request id, other words."""
    request_id = str(rows["member"]["properties"]["Request"]).split(" · ", 1)[0]
    props = {"Request": _rich(f"{request_id} · Add a heading to my notes page?")}
    act(stack, t, "PATCH", f"pages/{rows['member']['id']}", {"properties": props})
    return str(rows["member"]["id"])


def rewrite_goal(stack: LocalStack, t: Tenant, rows: Rows, source: str) -> str:
    act(stack, t, "PATCH", f"pages/{rows['member']['id']}", {"properties": {"Goal": _title("Tidy my notes")}})
    return str(rows["member"]["id"])


ATTACKS: tuple[Attack, ...] = (re_point, forge, rewrite_request, rewrite_goal)
CASES = len(ATTACKS) * (2 if FULL else 1)


# -- the stack's side ----------------------------------------------------------------------------
def _state(stack: LocalStack, t: Tenant) -> dict[str, Any]:
    state: dict[str, Any] = stack.sandbox_admin("GET", f"/workspaces/{t.key}/state")
    return state


def _row(stack: LocalStack, t: Tenant, source: str, run_id: str) -> dict[str, Any] | None:
    """The agent's row of ``run_id`` once it asks for a decision."""
    bot = t.ids["bot"]
    for page in _state(stack, t)["pages"]:
        props = page["properties"]
        if (
            page["parent"].get("data_source_id") == source
            and page["created_by"] == bot
            and props.get("Run id") == run_id
            and props.get("Decision") == "Waiting"
            and props.get("Request")
        ):
            return dict(page)
    return None


def _page(stack: LocalStack, t: Tenant, page_id: str) -> dict[str, Any]:
    return next(p for p in _state(stack, t)["pages"] if p["id"] == page_id)


def _agents_comments(stack: LocalStack, t: Tenant, page_id: str) -> list[str]:
    plain = page_id.replace("-", "")
    return [
        str(c["text"])
        for c in _state(stack, t)["comments"]
        if c["created_by"] == t.ids["bot"] and str(c["parent"].get("page_id", "")).replace("-", "") == plain
    ]


def _run(stack: LocalStack, t: Tenant, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = http("GET", f"{stack.url_of_api()}/runs/{run_id}", headers=t.auth)[1] or {}
    return run


def _waiting(stack: LocalStack, t: Tenant, run_id: str) -> dict[str, Any] | None:
    run = _run(stack, t, run_id)
    return run if run.get("status") == "waiting_for_human" else None


def _deliver(stack: LocalStack) -> None:
    stack.sandbox_admin("POST", "/webhook/flush", {"timeout": 10, "force": True})


@contextmanager
def _unseen(stack: LocalStack) -> Iterator[None]:
    """Notion's deliveries held (as Notion may hold them for minutes) until ``_deliver``: the agent
    sees the member's change only with the owner's Approve. Without it, a busy machine let the agent
    set the row back before the owner approved, and the owner's Approve of the restored row then
    rightly decided, which the case took for a misleading approval."""
    stack.sandbox_admin("POST", "/webhook/switches", {"delay": HELD_S})
    try:
        yield
    finally:
        stack.sandbox_admin("POST", "/webhook/switches", {"delay": 0.0})


def _what_happened(stack: LocalStack, t: Tenant, ids: dict[str, str], row_id: str) -> str:
    """What a failed wait leaves to read: each run's status and events, the row's binding
    properties and the agent's comments on it, and Notion's deliveries of the row's changes."""
    runs = {who: _run(stack, t, run_id) for who, run_id in ids.items()}
    said = {who: (r.get("status"), [e["kind"] for e in r.get("events", [])]) for who, r in runs.items()}
    props = _page(stack, t, row_id)["properties"]
    row = {k: props.get(k) for k in ("Run id", "Request", "Decision")}
    plain = row_id.replace("-", "")
    sent = [
        (d["type"], d["attempt_number"], d["status"], d["error"])
        for d in stack.sandbox_admin("GET", "/webhook/deliveries")
        if str(d["entity_id"]).replace("-", "") == plain
    ]
    return f"runs {said}; row {row}; agent said {_agents_comments(stack, t, row_id)}; deliveries {sent}"


def two_waiting_runs(
    stack: LocalStack, attacker: Attacker, n: int
) -> tuple[Tenant, str, dict[str, str], Rows]:
    """A fresh workspace with the agent's home; the owner's run and the member's, each waiting for
    the owner, each with its row asking: (tenant, Runs data source, run ids, rows)."""
    t = new_tenant(stack, f"rows{n}", ["ideas_data_source"])
    status, home, _ = http(
        "POST", stack.url_of_api() + "/home", {"parent_page_id": t.ids["home_page"]}, t.auth
    )
    assert status == 200, home
    source = str(home["databases"]["runs"]["data_source_id"])

    owners_page = t.ids["task_release"]  # Ada's own page
    ask = [("request_approval", {"summary": "Publish the launch page?"})]
    attacker.register(Case(n, owners_page, "Publish the launch page", lambda c: list(ask), t.ids))
    body = {"goal": "Publish the launch page", "page_id": owners_page}
    status, started, _ = http("POST", stack.url_of_api() + "/runs", body, t.auth)
    assert status == 202, started

    idea = {
        "parent": {"data_source_id": t.ids["ideas_data_source"]},
        "properties": {"Name": _title("My notes")},
    }
    text = "Read the weekly report and copy it here."
    idea["children"] = [{"paragraph": {"rich_text": [{"text": {"content": text}}]}}]
    mine = str(act(stack, t, "POST", "pages", idea)["id"])

    def copy_report(c: Case) -> list[tuple[str, dict[str, Any]]]:
        return [
            ("read_page", {"page_id": c.ids["task_report"]}),
            ("append_blocks", {"page_id": c.page_id, "text": "${steps.1.text}"}),
        ]

    attacker.register(Case(n, mine, text, copy_report, t.ids))
    _deliver(stack)
    listed = wait(
        lambda: [
            r
            for r in http("GET", stack.url_of_api() + "/runs", headers=t.auth)[1]["runs"]
            if r["run_id"] != started["run_id"]
        ],
        "the member's run",
    )
    ids = {"owner": str(started["run_id"]), "member": str(listed[0]["run_id"])}
    rows: Rows = {}
    for who, run_id in ids.items():
        wait(partial(_waiting, stack, t, run_id), f"the {who}'s run to wait")
        rows[who] = wait(partial(_row, stack, t, source, run_id), f"the {who}'s row to ask")
    return t, source, ids, rows


def _owner_approves(stack: LocalStack, t: Tenant, page_id: str) -> None:
    """Ada, the owner, sets the row's Decision to Approve; the signed event is delivered."""
    call = {"method": "PATCH", "path": f"pages/{page_id}", "body": APPROVE, "user_id": t.ids["owner"]}
    assert stack.sandbox_admin("POST", f"/workspaces/{t.key}/act", call)["status"] == 200
    _deliver(stack)


def _settled(stack: LocalStack, t: Tenant, run_id: str) -> bool:
    return _run(stack, t, run_id).get("status") in ("waiting_for_human", "completed", "failed", "cancelled")


def decisions(stack: LocalStack, t: Tenant, run_id: str) -> list[dict[str, Any]]:
    return [e for e in _run(stack, t, run_id).get("events", []) if e["kind"] == "human_responded"]


def reads_of(stack: LocalStack, t: Tenant, run_id: str, page: str) -> int:
    return sum(
        e["kind"] == "tool_result"
        and e["tool"] == "read_page"
        and str(e["args"].get("page_id", "")).replace("-", "") == page.replace("-", "")
        for e in _run(stack, t, run_id).get("events", [])
    )


@pytest.mark.parametrize("n", range(CASES))
def test_a_member_who_edits_re_points_or_forges_a_runs_row_gets_no_approval(
    n: int, stack: LocalStack, attacker: Attacker
) -> None:
    attack = ATTACKS[n % len(ATTACKS)]
    t, source, ids, rows = two_waiting_runs(stack, attacker, n)
    with _unseen(stack):
        target = attack(stack, t, rows, source)
        _owner_approves(stack, t, target)

    def acted_on() -> tuple[list[str], int] | None:
        """What the agent said on the row, and the decisions either run got: once there are any."""
        said = [c for c in _agents_comments(stack, t, target) if c.startswith(AGENTS_WORDS)]
        decided = sum(len(decisions(stack, t, run_id)) for run_id in ids.values())
        return (said, decided) if said or decided else None

    said, decided = wait(acted_on, "the owner's Approve to be acted on")
    _deliver(stack)  # the agent's own writes of the row: ignored
    if decided:  # the member's run goes on with what it was let do: whatever it reads is counted
        wait(partial(_settled, stack, t, ids["member"]), "the member's run to settle")

    found = {k: 0 for k in COUNTS}
    for run_id in ids.values():
        found["misleading_approvals"] += len(decisions(stack, t, run_id))
    found["deputy_reads"] += reads_of(stack, t, ids["member"], t.ids["task_report"])
    TOTALS["attacks"] += 1
    EXERCISED.update(member_cases=1)
    TOTALS.update(found)
    print(f"case {n}: rows/{attack.__name__} told={len(said)} found={found}")
    assert said and not any(found.values()), (n, attack.__name__, said, found)
    assert all(_waiting(stack, t, run_id) for run_id in ids.values())

    if attack is not forge:  # set back: the row shows again what the agent wrote
        now = _page(stack, t, target)["properties"]
        wrote = rows["owner" if attack is re_point else "member"]["properties"]
        assert {k: now[k] for k in ("Run id", "Request", "Goal")} == {
            k: wrote[k] for k in ("Run id", "Request", "Goal")
        }
    # Not vacuous: the owner's Approve on the row as the agent wrote it decides.
    owners_row = rows["owner"]["id"]
    wait(
        lambda: _page(stack, t, owners_row)["properties"].get("Decision") == "Waiting",
        "the owner's row to ask",
    )
    _owner_approves(stack, t, owners_row)
    # A row task that meets another's lease is retried on the queue's backoff: on a busy machine the
    # decision may come after 90 s, so this wait allows longer (it still fails if none comes).
    try:
        wait(
            lambda: decisions(stack, t, ids["owner"]),
            "the owner's decision on the row as written",
            timeout_s=300.0,
        )
    except TimeoutError as exc:
        raise AssertionError(f"case {n}: no decision: {_what_happened(stack, t, ids, owners_row)}") from exc
    assert decisions(stack, t, ids["member"]) == []
