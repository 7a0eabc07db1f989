"""Who a run's starter is, by role (issue 77, decision 0137): every way a person starts a run through the
api (``POST /runs`` with and without a page, run again, Run now, a dry run), as every role by session
and by key, under each choice of who approves reads beyond a run's reach, gives the run the reach the
table "Whose reach a run has" of docs/security.md says; a page beyond a member's reach is refused with
its title unsaid; and a run's view shows a person without the owner's reach nothing an owner's run
read. Prints ``RESULT starter_cases=<n> view_cases=<m> violations=0`` and asserts it."""

import re
from typing import Any

from tests.support.team.role_team import BEYOND_REACH, COLUMNS, reach_cases, reach_table
from tests.support.team.starters import PRIVATE_TEXT, PRIVATE_TITLE, Workspace

_ROW = re.compile(
    r"^\| (owner|admin|editor|viewer) starts \| (owner's|member's|no) \| (owner's|member's|no) "
    r"\| (owner's|member's|no) \|$"
)


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
        ("Run again of the owner's run", "POST", f"/runs/{w.owners_run}/again", {}, "private"),
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
        if page == "private" and not owner:
            if not _refused_for_reach(status, answer):
                wrong.append(case + ", not refused for the page's reach (or its title said)")
            continue
        if "dry-run" in path:
            if _refused_for_reach(status, answer) or _refused_for_role(status, answer):
                wrong.append(case + ", refused")
            continue
        if status != 202:
            wrong.append(case)
            continue
        trigger = w.queued(answer["run_id"]).trigger
        if trigger.member == owner:
            wrong.append(
                f"{case}: its run is {'a member' if trigger.member else 'the owner'}'s, the table says {want}"
            )
    return wrong


def views(w: Workspace, role: str, kind: str, want: str) -> list[str]:
    """The owner's run that read and wrote the private text, as ``role`` sees it: the text shows only
    to a person with the owner's reach."""
    status, answer = w.call(role, kind, "GET", f"/runs/{w.owners_run}")
    if status != 200:
        return [f"GET /runs/{{id}} as {role} by {kind}: {status}"]
    shows = PRIVATE_TEXT in str(answer)
    if shows != (want == "owner's"):
        return [
            f"GET /runs/{{id}} as {role} by {kind}: the private text {'shown' if shows else 'hidden'} ({want})"
        ]
    return []


def test_every_start_path_gives_its_run_its_starters_reach_as_the_table_says() -> None:
    rules = reach_table(_ROW, "Whose reach a run has")  # role -> beyond_reach approver -> the reach
    violations: list[str] = []
    start_cases = view_cases = 0
    for beyond_reach, w, role, kind in reach_cases(Workspace):
        want = rules[role][beyond_reach]
        start_cases += 6 if kind == "session" else 5
        violations += starts(w, role, kind, want)
        view_cases += 1  # everyone reads runs; a viewer as a member's reach
        violations += views(w, role, kind, "owner's" if want == "owner's" else "member's")
    print(f"\nRESULT starter_cases={start_cases} view_cases={view_cases} violations={len(violations)}")
    assert not violations, "\n".join(violations)
    assert (
        start_cases == len(BEYOND_REACH) * len(COLUMNS) * 11
        and view_cases == len(BEYOND_REACH) * len(COLUMNS) * 2
    )
