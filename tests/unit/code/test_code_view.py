"""A code run's view from its log: each file the run wrote diffed against the
base its request kept (every line, the kept ones for the console to fold), its language, the last
checks with a failing one's output, each deployment's last state, the merge and the approvals; and
the api's answers, the roll back's refusals and its one run."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.platform.errors import Forbidden
from shared.runs.domain.code_view import code_view, diff_lines, language
from shared.runs.domain.events import HumanRequested, HumanResponded, RunEvent, ToolResult
from shared.runs.services.runs import Viewer, code_of
from shared.workspace.domain.members import Approvers
from tests.support.code.code_run_log import code_run_log
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.settings_api import connect

AT = datetime(2026, 11, 27, tzinfo=UTC)
BASE = "".join(f"line {n}\n" for n in range(1, 21))
FILES = [
    {"path": "src/app.py", "content": BASE.replace("line 10\n", "line ten\n")},
    {"path": "src/new.ts", "content": "export const x = 1;\n"},
]
TOOLS = {
    1: "open_pull_request",
    2: "await_checks",
    3: "deploy_vercel",
    4: "await_deployment",
    5: "merge_pull_request",
}


def result(seq: int, step: int, args: dict[str, Any], output: dict[str, Any]) -> ToolResult:
    return ToolResult(seq=seq, at=AT, step=step, tool=TOOLS[step], args=args, output=output)


def asked(seq: int, step: int, prompt: str, effect: str, call: dict[str, Any], **more: Any) -> HumanRequested:
    """Step ``step``'s approval request, recorded as event ``seq``."""
    return HumanRequested(
        seq=seq,
        at=AT,
        request_id=f"effect-{step}-{seq}",
        step=step,
        purpose="approval",
        prompt=prompt,
        effects=(effect,),
        call=call,
        **more,
    )


def log() -> list[RunEvent]:
    pull = {"repository": "acme/site", "number": 7, "url": "https://github.com/acme/site/pull/7"}
    return [
        asked(
            1,
            1,
            "Approve the pull request?",
            "d1",
            {"repository": "acme/site", "files": FILES},
            before={"src/app.py": BASE, "src/new.ts": None},
        ),
        HumanResponded(seq=2, at=AT, request_id="effect-1-1", decision="approve", by="Ada"),
        result(
            3,
            1,
            {"repository": "acme/site", "files": FILES},
            pull | {"branch": "agent/x", "head_sha": "a" * 40},
        ),
        result(
            4,
            2,
            {},
            {
                "state": "failure",
                "checks": [{"name": "tests", "state": "failure"}, {"name": "lint", "state": "success"}],
                "failing": [{"name": "tests", "output": "FAILED test_x - assert 1 == 2"}],
            },
        ),
        result(
            5, 3, {}, {"id": "dpl_1", "url": "https://p.vercel.app", "state": "QUEUED", "target": "preview"}
        ),
        result(
            6, 4, {}, {"id": "dpl_1", "url": "https://p.vercel.app", "state": "READY", "target": "preview"}
        ),
        asked(7, 5, "Merge #7?", "d2", {"repository": "acme/site"}),
    ]


def test_a_modified_file_is_diffed_against_its_kept_base_line_by_line() -> None:
    lines, added, removed = diff_lines(BASE, FILES[0]["content"])
    assert (added, removed, len(lines)) == (1, 1, 21)
    changed = [(x.op, x.old, x.new, x.text) for x in lines if x.op != " "]
    assert changed == [("-", 10, None, "line 10"), ("+", None, 10, "line ten")]
    assert all(x.old is not None and x.new is not None for x in lines if x.op == " ")


def test_the_view_holds_the_change_checks_deployments_and_approvals() -> None:
    view = code_view(log(), TOOLS)
    assert view.repository == "acme/site"
    assert view.pull_request is not None and view.pull_request["number"] == 7
    app, new = view.files
    assert (app.path, app.status, app.language, app.base_known, app.additions, app.deletions) == (
        "src/app.py",
        "modified",
        "python",
        True,
        1,
        1,
    )
    assert (new.status, new.language, new.additions, [x.op for x in new.lines]) == (
        "added",
        "typescript",
        1,
        ["+"],
    )
    assert [(c.name, c.state, c.output) for c in view.checks] == [
        ("tests", "failure", "FAILED test_x - assert 1 == 2"),
        ("lint", "success", ""),
    ]
    assert [(d.step, d.target, d.state, d.url) for d in view.deployments] == [
        (3, "preview", "READY", "https://p.vercel.app")
    ]
    assert [(a.step, a.tool, a.decision, a.by) for a in view.approvals] == [
        (1, "open_pull_request", "approve", "Ada"),
        (5, "merge_pull_request", "", ""),  # waiting for the owner
    ]
    assert view.merge is None and view.production is None


def test_a_file_whose_base_was_not_kept_shows_every_line_added() -> None:
    events = [e for e in log() if not isinstance(e, HumanRequested)]
    app = code_view(events, TOOLS).files[0]
    assert (app.base_known, app.status, app.additions, app.deletions) == (False, "added", 20, 0)


def test_the_language_comes_from_the_extension() -> None:
    assert [language(p) for p in ("a/b.py", "x.TSX", "Makefile", "c.yml", "d.unknown")] == [
        "python",
        "typescript",
        "",
        "yaml",
        "",
    ]


def test_the_api_answers_the_view_and_refuses_a_roll_back_with_nothing_to_roll_back() -> None:
    fakes = FakeContainer()
    auth, api = connect(fakes), client("api", fakes)
    released = code_run_log(healthy=True)
    assert fakes.store.create_run("t1", "r1", released)
    assert fakes.store.create_run("t1", "r2", released[:4])  # pushed, never deployed to production
    assert fakes.store.create_run("t1", "r3", code_run_log())  # its health check rolled it back
    view = api.get("/runs/r1/code", headers=auth)
    assert view.status_code == 200 and view.json is not None
    assert view.json["production"]["healthy"] is True
    back = api.get("/runs/r3/code", headers=auth).get_json()
    states = [(d["target"], d["state"]) for d in back["deployments"]]
    assert states == [("preview", "READY"), ("production", "ROLLED_BACK")]  # never stale
    assert api.get("/runs/r3", headers=auth).get_json()["status"] == "rolled_back"
    refused_back = api.post("/runs/r3/rollback", headers=auth)
    assert refused_back.status_code == 409 and refused_back.json is not None
    assert "rolled back from dpl_prod2 to dpl_prod1 already" in refused_back.json["reason"]
    refused = api.post("/runs/r2/rollback", headers=auth)
    assert refused.status_code == 409 and refused.json is not None
    assert "no production deployment" in refused.json["reason"]
    assert api.post("/runs/nope/rollback", headers=auth).status_code == 404
    first, again = (api.post("/runs/r1/rollback", headers=auth).get_json() for _ in range(2))
    assert first["run_id"] == again["run_id"] and (first["made"], again["made"]) == (True, False)


def test_a_deployment_shows_its_last_known_state_not_its_first() -> None:
    """A preview only created (QUEUED) and then merged on, which the merge requires READY,
    showed QUEUED; production rolled back by its health check showed READY."""
    log = [e for e in code_run_log() if not (isinstance(e, ToolResult) and e.step == 4)]  # no await
    view = code_view(log, {})
    assert [(d.id, d.state) for d in view.deployments] == [
        ("dpl_preview1", "READY"),
        ("dpl_prod2", "ROLLED_BACK"),
    ]
    healthy = code_view(code_run_log(healthy=True), {})
    assert [d.state for d in healthy.deployments] == ["READY", "READY"]


def test_a_code_run_of_the_owners_reach_is_refused_to_someone_without_it_saying_why() -> None:
    """Its files are what it read; a run that touched no code shows its
    empty view, so the run page of any run stays quiet."""
    fakes = FakeContainer()
    connect(fakes)
    assert fakes.store.create_run("t1", "r1", code_run_log(healthy=True))
    assert fakes.store.create_run("t1", "r2", [code_run_log()[0].model_copy(update={"steps": []})])
    editor = Viewer("editor", Approvers())
    with pytest.raises(Forbidden, match="read with the owner's reach, beyond yours: its code is not shown"):
        code_of("t1", "r1", fakes.store, fakes.tenants, editor)
    assert code_of("t1", "r1", fakes.store, fakes.tenants)["repository"] == "acme/site"  # the owner's
    assert code_of("t1", "r2", fakes.store, fakes.tenants, editor)["files"] == []


def test_a_change_asked_for_reads_as_the_code_view_in_words_without_hashes() -> None:
    """The request's change as the code view shows one, on the run page and in
    the Inbox: what it does in words and each file's diff against its kept base (a patch applied to
    it: one added line, never the whole file as new), no digest nor full sha in the words."""
    from shared.runs.domain.code_view import approval_change

    patch = {"path": "src/app.py", "edits": [{"search": "line 10\n", "replace": "line 10\nline 10b\n"}]}
    fix = asked(
        3, 2, "p", "d2", {"repository": "acme/site", "branch": "notion-agent/x-1-1", "files": [patch]}
    )
    fix = fix.model_copy(update={"before": {"src/app.py": BASE}})
    change = approval_change(fix, "push_fix")
    assert change is not None
    assert change.words == "Pushes a fix to the branch notion-agent/x-1-1 of acme/site, changing 1 file."
    [file] = change.files
    assert (file.status, file.base_known, file.additions, file.deletions) == ("modified", True, 1, 0)
    assert [x.text for x in file.lines if x.op == "+"] == ["line 10b"] and len(file.lines) == 21
    merge = asked(9, 5, "p", "prod:" + "3" * 40, {"repository": "acme/site", "branch": "b", "sha": "a" * 40})
    said = approval_change(merge, "merge_pull_request")
    assert said is not None and said.words.startswith(
        "Merges the pull request from the branch b into its base"
    )
    production = {"project": "site", "repository": "acme/site", "ref": "f" * 40, "target": "production"}
    shipped = approval_change(asked(10, 3, "p", "prod:1", production), "deploy_vercel")
    assert shipped is not None and shipped.words == (
        "Deploys commit fffffff of acme/site to production of the Vercel project site."
    )
    for words in (change.words, said.words, shipped.words):
        assert not re.search(r"prod:|[0-9a-f]{12,}", words), words
    assert approval_change(asked(11, 2, "p", "d", {"page_id": "x"}), "append_blocks") is None


def test_the_run_and_the_inbox_answer_the_change_a_request_asks_for() -> None:
    fakes = FakeContainer()
    auth, api = connect(fakes), client("api", fakes)
    events = code_run_log()
    first = next(i for i, e in enumerate(events) if isinstance(e, HumanRequested))
    assert fakes.store.create_run("t1", "r1", events[: first + 1])  # waits for its pull request's approval
    run = api.get("/runs/r1", headers=auth).get_json()
    assert run["status"] == "waiting_for_human" and run["change"]["words"].startswith("Opens a pull request")
    assert run["change"]["files"] and all(f["lines"] for f in run["change"]["files"])
    [listed] = api.get("/inbox", headers=auth).get_json()["runs"]
    assert listed["change"] == run["change"]
