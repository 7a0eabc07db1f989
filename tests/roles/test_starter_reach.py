"""Who a run's starter is, by role (decision 0137): every way a person starts a run through the
api (``POST /runs`` with and without a page, run again, Run now, a dry run), as every role by session
and by key, under each choice of who approves reads beyond a run's reach, gives the run the reach the
table "Whose reach a run has" of docs/security.md says. A member's run on a page beyond their reach
waits, the page unread, for the approval of someone with that reach, which they may not give (a dry
run on it is refused, its title unsaid: decision 0147); and a run's view shows a person without the
owner's reach nothing an owner's run read. Prints ``RESULT starter_cases=<n> view_cases=<m>
wait_cases=<k> violations=0`` and asserts it."""

import re
from pathlib import Path
from typing import Any

from shared.engine.planning.start import start_run
from tests.support.team.role_team import role_rows
from tests.support.team.starters import PRIVATE_TEXT, PRIVATE_TITLE, Workspace

SECURITY = Path(__file__).parents[2] / "docs" / "security.md"
COLUMNS = ("owner", "admin", "editor", "viewer")
BEYOND_REACH = ("editor", "admin", "owner")  # who approves reads beyond a run's reach: the columns
_ROW = re.compile(
    r"^\| (owner|admin|editor|viewer) starts \| (owner's|member's|no) \| (owner's|member's|no) "
    r"\| (owner's|member's|no) \|$"
)


def starter_table(text: str) -> dict[str, dict[str, str]]:
    """docs/security.md's "Whose reach a run has": role -> beyond_reach approver -> the reach."""
    return role_rows(text, _ROW, BEYOND_REACH)


def _refused_for_role(status: int, body: Any) -> bool:
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    return status == 403 and ("your role" in reason or "lacks the scope" in reason)


def _refused_for_reach(status: int, body: Any) -> bool:
    said = str(body)
    return (
        status == 403
        and "not within what a run you start may read" in said
        and PRIVATE_TITLE not in said
        and PRIVATE_TEXT not in said
    )


def starts(w: Workspace, role: str, kind: str, want: str) -> list[str]:
    """Every start path as ``role`` by ``kind``: what is wrong with each answer, given the reach ``want``."""
    wrong: list[str] = []
    owner = want == "owner's"
    tries: list[tuple[str, str, str, Any, str]] = [  # (name, method, path, body, the page it names)
        ("POST /runs on a private page", "POST", "/runs", {"goal": "Tidy", "page_id": w.private}, "private"),
        ("POST /runs on a chosen row", "POST", "/runs", {"goal": "Tidy", "page_id": w.row}, "row"),
        ("POST /runs without a page", "POST", "/runs", {"goal": "Tidy"}, ""),
        ("Run again of the owner's run", "POST", f"/runs/{w.owners_run}/again", {}, "owners"),
        ("Run again of a member's run let in", "POST", f"/runs/{w.members_run}/again", {}, "let in"),
        ("Run now", "POST", "/agents/digest/run-now", {"routine": 0, "request_id": f"{role}-{kind}"}, ""),
    ]
    if kind == "session":  # a dry run takes no key
        tries.append(
            (
                "a dry run on a private page",
                "POST",
                "/agents/digest/dry-run",
                {"page_id": w.private},
                "private",
            )
        )
    for name, method, path, body, page in tries:
        status, answer = w.call(role, kind, method, path, body)
        case = f"{name} as {role} by {kind}: {status} {answer}"
        if want == "no":
            if not _refused_for_role(status, answer):
                wrong.append(case + ", not refused for the role")
            continue
        if page == "private" and not owner and "dry-run" in path:
            if not _refused_for_reach(status, answer):
                wrong.append(case + ", not refused for the page's reach (or its title said)")
            continue
        if page in ("private", "let in") and not owner:
            wrong += _waits_unread(w, role, kind, case, status, answer)
            continue
        if page == "owners" and not owner:  # its goal and page are hidden from them (decision 0147)
            if (
                status != 403
                or "read with the owner's reach" not in str(answer)
                or PRIVATE_TITLE in str(answer)
            ):
                wrong.append(case + ", not refused as a run beyond their reach")
            continue
        if "dry-run" in path:
            if _refused_for_reach(status, answer) or _refused_for_role(status, answer):
                wrong.append(case + ", refused")
            continue
        if status != 202:
            wrong.append(case)
            continue
        trigger = w.queued(answer["run_id"]).trigger
        if page == "let in":  # a member's run repeated keeps its narrower reach, the page let in
            if not trigger.member or trigger.beyond:
                wrong.append(f"{case}: its run is not a member's that reads the page let in")
            continue
        if trigger.member == owner:
            wrong.append(
                f"{case}: its run is {'a member' if trigger.member else 'the owner'}'s, the table says {want}"
            )
    return wrong


WAITS: list[str] = []  # each member's run on the private page that was checked as it waits


def _waits_unread(w: Workspace, role: str, kind: str, case: str, status: int, answer: Any) -> list[str]:
    """A member's run on the private page: queued (202), then planned it waits, the page unread, for
    an approval its starter may not give; the role that may is named (decision 0147)."""
    WAITS.append(case)
    if status != 202 or "waits" not in answer:
        return [case + ", not queued to wait for an approval"]
    run_id = answer["run_id"]
    start_run(w.queued(run_id), w.container.engine())
    status, run = w.call(role, kind, "GET", f"/runs/{run_id}")
    waiting = (run or {}).get("waiting") or {}
    if (
        run is None
        or run.get("status") != "waiting_for_human"
        or not waiting.get("request_id", "").startswith("reach-")
    ):
        return [f"{case}: planned, it does not wait for the page's approval: {run}"]
    if PRIVATE_TITLE in str(run) or PRIVATE_TEXT in str(run) or run.get("needs") != w.beyond_reach:
        return [f"{case}: its wait says the page's title or text, or names no role that may decide: {run}"]
    decided, said = w.call(
        role, kind, "POST", f"/runs/{run_id}/approve", {"request_id": waiting["request_id"]}
    )
    if decided != 403:
        return [f"{case}: its starter approved their own escalation: {decided} {said}"]
    return []


HIDDEN_SAID = "hidden: this run read with the owner's reach, beyond yours"


def views(w: Workspace, role: str, kind: str, want: str) -> list[str]:
    """The owner's run that read and wrote the private text (its goal names the private page), and its
    hand-off waiting on a request quoting the text, as ``role`` sees them in each view: the text and
    the title show only to a person with the owner's reach; anyone else is told they are hidden."""
    wrong: list[str] = []
    sees = want == "owner's"
    for name, path in VIEWS.items():
        status, answer = w.call(role, kind, "GET", path.format(run=w.owners_run))
        said = str(answer)
        shows = PRIVATE_TEXT in said or PRIVATE_TITLE in said
        if path.endswith("/code"):  # it touched no code: its empty view, as anyone's (a code run's: 403)
            ok = status == 200 and not shows
        elif "q=" in path:
            ok = status == 200 and (w.owners_run in said) == sees and (sees or not shows)
        else:
            ok = status == 200 and shows == sees and (sees or HIDDEN_SAID in said)
        if not ok:
            wrong.append(
                f"{name} as {role} by {kind}: {status}, the private words {'shown' if shows else 'hidden'} ({want}): {said[:300]}"
            )
    return wrong


# Each view of a run a person may ask for, of the owner's run ({run}).
VIEWS = {
    "GET /runs/{id}": "/runs/{run}",
    "GET /runs": "/runs",
    "GET /runs?q=": "/runs?q=Salaries",
    "GET /runs/{id}/related": "/runs/{run}/related",
    "GET /runs/{id}/code": "/runs/{run}/code",
}


def test_every_start_path_gives_its_run_its_starters_reach_as_the_table_says() -> None:
    rules = starter_table(SECURITY.read_text())
    assert set(rules) == set(COLUMNS), "docs/security.md lacks the rows of 'Whose reach a run has'"
    violations: list[str] = []
    start_cases = view_cases = 0
    for beyond_reach in BEYOND_REACH:
        w = Workspace(beyond_reach)
        for role in COLUMNS:
            for kind in ("session", "key"):
                want = rules[role][beyond_reach]
                start_cases += 7 if kind == "session" else 6
                violations += starts(w, role, kind, want)
                view_cases += len(VIEWS)  # everyone reads runs; a viewer as a member's reach
                violations += views(w, role, kind, "owner's" if want == "owner's" else "member's")
    waits = len(WAITS)  # each: its wait, its words and its starter's refused approval
    print(
        f"\nRESULT starter_cases={start_cases} view_cases={view_cases} wait_cases={waits} "
        f"violations={len(violations)}"
    )
    assert not violations, "\n".join(violations)
    members = sum(1 for b in BEYOND_REACH for r in COLUMNS if rules[r][b] == "member's")
    assert waits == members * 2 * 2  # by session and key: POST /runs and Run again on the private page
    assert start_cases == len(BEYOND_REACH) * len(COLUMNS) * 13 and view_cases == len(BEYOND_REACH) * len(
        COLUMNS
    ) * 2 * len(VIEWS)
