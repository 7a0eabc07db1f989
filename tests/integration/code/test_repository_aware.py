"""A run that reads the repository it changes, on the code sandbox: GitHub's trees and
contents endpoints in their documented shapes; the run reads the tree and AGENTS.md, takes its test
command (which the repository's checks run), and opens a pull request whose change is a patch to an
existing file: its other lines intact, the description naming the file, why, and the command."""

import base64
import json
import sys
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from local.code_sandbox.testing import Admin
from shared.engine.services import followups
from shared.engine.services.run_log import RunLog
from shared.platform.errors import ModelFixableError
from shared.runs.domain.events import PlannedStep, RunPlanned, RunStatus, ToolResult
from shared.runs.domain.state import fold
from shared.tools.base import ToolContext, idempotency_key
from shared.tools.code.pull_request import OpenPullRequestArgs, open_pull_request
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from tests.support.engine.deploy_steps import GITHUB_TOKEN, Pair, admin, sandbox
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

COMMAND = "python -m unittest discover -s tests -v"
AGENTS = f"# Working here\n\n- Run the tests with `{COMMAND}`.\n- Keep changes small.\n"
# A module of 600 lines, one of them wrong: the change must touch that line only.
CALC = "".join(f"def f{n}(x):\n    return x + {n}\n\n\n" for n in range(150)).replace(
    "return x + 77", "return x - 77"
)
TEST = "import unittest\n\nfrom src import calc\n\n\nclass T(unittest.TestCase):\n    def test_f77(self):\n        self.assertEqual(calc.f77(1), 78)\n"
FILES = {"AGENTS.md": AGENTS, "src/__init__.py": "", "src/calc.py": CALC, "tests/test_calc.py": TEST}
CHECK = [sys.executable, "-m", "unittest", "discover", "-s", "tests", "-v"]  # COMMAND, this interpreter


def _seed(admin: Admin) -> None:
    admin.post("/github/repos", {"full_name": "acme/app", "default_branch": "main", "files": FILES})
    admin.grant_github(GITHUB_TOKEN, ["acme/site", "acme/app"])


def _get(url: str, path: str, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {GITHUB_TOKEN}", "X-GitHub-Api-Version": "2022-11-28"}
    return httpx.get(f"{url}/github/repos/acme/app/{path}", headers=headers, params=params)


def test_the_trees_and_contents_endpoints_answer_githubs_shapes(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    _seed(admin)
    url, head = sandbox[0], admin.repo("acme/app")["branches"]["main"]
    tree_sha = _get(url, f"git/commits/{head}").json()["tree"]["sha"]
    tree = _get(url, f"git/trees/{tree_sha}", recursive="1").json()
    assert tree["truncated"] is False and tree["sha"] == tree_sha
    blobs = {i["path"]: i for i in tree["tree"] if i["type"] == "blob"}
    assert set(blobs) == set(FILES) and blobs["src/calc.py"]["size"] == len(CALC)
    assert {i["path"] for i in tree["tree"] if i["type"] == "tree"} == {"src", "tests"}

    item = _get(url, "contents/src/calc.py", ref=head).json()
    assert {k: item[k] for k in ("type", "encoding", "name", "path", "size")} == {
        "type": "file",
        "encoding": "base64",
        "name": "calc.py",
        "path": "src/calc.py",
        "size": len(CALC),
    }
    assert base64.b64decode(item["content"]).decode() == CALC and "\n" in item["content"]  # 60 a line
    assert item["sha"] == blobs["src/calc.py"]["sha"] and set(item["_links"]) == {"self", "git", "html"}
    assert item["download_url"] and item["git_url"].endswith(f"/git/blobs/{item['sha']}")
    listing = _get(url, "contents/src").json()  # a directory: an array, no content
    assert [(e["name"], e["type"]) for e in listing] == [("__init__.py", "file"), ("calc.py", "file")]
    assert all("content" not in e for e in listing)
    root = _get(url, "contents").json()
    assert {e["name"]: e["type"] for e in root} == {"AGENTS.md": "file", "src": "dir", "tests": "dir"}
    missing = _get(url, "contents/nope.py")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    assert _get(url, "contents/AGENTS.md", ref="no-such-branch").status_code == 404


READ = (
    "read_repository",
    {"repository": "acme/app", "ranges": [{"path": "src/calc.py", "start_line": 305, "end_line": 312}]},
)
FIX = {
    "path": "src/calc.py",
    "why": "f77 subtracted where the test wants it to add",
    "edits": [{"search": "def f77(x):\n    return x - 77\n", "replace": "def f77(x):\n    return x + 77\n"}],
}
OPEN = ("open_pull_request", {"repository": "acme/app", "title": "Fix f77", "files": [FIX], "draft": True})
AWAIT = ("await_checks", {"repository": "acme/app", "branch": "${steps.2.branch}"})
AWAIT_FIRST = ("await_checks", {"repository": "acme/app", "branch": "${steps.1.branch}"})


def start(pair: Pair, *planned: tuple[str, dict[str, Any]]) -> None:
    """The run as its model planned it (the engine asks the owner before each code step)."""
    steps = [PlannedStep(tool=t, args=json.loads(json.dumps(a))) for t, a in planned]
    tools = sorted({s.tool for s in steps} | {"request_approval"})
    head = RunPlanned(seq=1, at=datetime.now(UTC), goal="fix f77", trigger="api", steps=steps, tools=tools)
    assert pair.step.store.create_run(pair.tenant, "r1", [head])
    followups.enqueue_followup(RunLog(pair.step, pair.tenant, "r1"), fold([head]))


def test_a_run_reads_the_repository_and_opens_a_patch_that_its_checks_pass(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    _seed(admin)
    admin.set_checks("acme/app", [{"name": "tests", "command": CHECK, "timeout_s": 30}])
    allowed = TenantSettings(github_repositories=["acme/app"])
    pair = Pair(sandbox[0], FakeModel(), allowed=allowed)
    start(pair, READ, OPEN, AWAIT, ("finish", {"summary": "ok"}))
    for _ in range(60):
        pair.drive(limit=1)
        if pair.state().status.terminal or not pair.queue.tasks:
            break
        admin.checks_done("acme/app")
    state = pair.state()
    assert state.status == RunStatus.COMPLETED, state.last_error
    events = pair.step.store.list_events(pair.tenant, "r1")
    out = {e.tool: e.output for e in events if isinstance(e, ToolResult)}

    read = out["read_repository"]
    assert read["conventions"] == {"AGENTS.md": AGENTS}
    assert read["test_command"] == {"command": COMMAND, "from": "AGENTS.md"}
    [chunk] = read["chunks"]
    assert (chunk["start_line"], chunk["end_line"], chunk["total_lines"]) == (305, 312, 600)
    assert "return x - 77" in chunk["text"] and read["truncated"] == []

    [pr] = admin.repo("acme/app")["pulls"]
    changed = admin.files("acme/app", pr["head"])
    before, after = CALC.splitlines(), changed["src/calc.py"].splitlines()
    assert len(after) == len(before) and [
        i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b
    ] == [309]
    assert after[309] == "    return x + 77"
    assert {p: t for p, t in changed.items() if p != "src/calc.py"} == {
        p: t for p, t in FILES.items() if p != "src/calc.py"
    }
    assert "- `src/calc.py` (patched): f77 subtracted where the test wants it to add" in pr["body"]
    assert f"Tests: `{COMMAND}` (from AGENTS.md)" in pr["body"]
    assert out["await_checks"]["state"] == "success" and out["await_checks"]["ready"] is True


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        (
            {"path": "src/calc.py", "why": "w", "edits": [{"search": "return x * 77", "replace": "y"}]},
            "hunk 1 does not apply: its search text 'return x \\* 77' is not in the file",
        ),
        ({"path": "src/calc.py", "why": "w", "content": "x = 1\n"}, "exists .* or set rewrite: true"),
        ({"path": "src/calc.py", "edits": FIX["edits"]}, "file 'src/calc.py' exists: say why it changes"),
    ],
    ids=["hunk-missing", "silent-rewrite", "no-why"],
)
def test_a_change_that_is_no_patch_of_the_file_read_is_refused_and_nothing_is_pushed(
    sandbox: tuple[str, Admin], admin: Admin, file: dict[str, Any], reason: str
) -> None:
    _seed(admin)
    pair = Pair(sandbox[0], FakeModel(), allowed=TenantSettings(github_repositories=["acme/app"]))
    assert pair.deploy.code is not None and pair.step.model is not None
    key = idempotency_key("t1", "r1", 1)
    ctx = ToolContext("t1", "r1", 1, key, None, pair.step.model, pair.queue, str, code=pair.deploy.code)
    args = OpenPullRequestArgs.model_validate({"repository": "acme/app", "title": "t", "files": [file]})
    with pytest.raises(ModelFixableError, match=reason):
        open_pull_request(ctx, args)
    assert list(admin.repo("acme/app")["branches"]) == ["main"] and admin.repo("acme/app")["pulls"] == []


def test_the_policys_test_command_names_what_failing_checks_ran_for_the_fix(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    _seed(admin)
    admin.set_checks("acme/app", [{"name": "tests", "command": CHECK, "timeout_s": 30}])
    policy = CodePolicy(test_command="make test-app")  # the owner's word over the repository's files
    allowed = TenantSettings(github_repositories=["acme/app"], code_policies={"acme/app": policy})
    pair = Pair(sandbox[0], FakeModel(), allowed=allowed)
    note = {"path": "NOTES.md", "content": "A note, not the fix\n"}
    pull = {"repository": "acme/app", "title": "A note", "files": [note], "draft": True}
    start(pair, ("open_pull_request", pull), AWAIT_FIRST, ("finish", {"summary": "ok"}))
    for _ in range(60):
        pair.drive(limit=1)
        if pair.state().status.terminal or not pair.queue.tasks:
            break
        admin.checks_done("acme/app")
    events = pair.step.store.list_events(pair.tenant, "r1")
    [awaited] = [e.output for e in events if isinstance(e, ToolResult) and e.tool == "await_checks"]
    assert awaited["state"] == "failure" and "test_f77" in awaited["failing"][0]["output"]
    assert awaited["test_command"] == {"command": "make test-app", "from": "the repository's policy"}
    [pr] = admin.repo("acme/app")["pulls"]
    assert "Tests: `make test-app` (from the repository's policy)" in pr["body"]
    assert "- `NOTES.md` (new)" in pr["body"]
