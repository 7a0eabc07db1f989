"""Changes to a repository the agent read: hunks applied in code to a file's current
content or refused with the reason, never a silent whole-file rewrite; the test command found in the
conventions files; the planner told the owner's repositories, and a plan naming another corrected."""

import json
from datetime import UTC, datetime

import pytest

from shared.code.domain.conventions import find_test_command
from shared.code.domain.patches import Edit, apply_edits, resolve_file
from shared.engine.agent.plans import check_reach, validate_plan
from shared.engine.planning.start import start_run
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import ModelFixableError
from shared.runs.domain.events import ErrorRecorded, PlannedStep
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.workspace.domain.settings import TenantSettings
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeModel
from tests.support.workspace.tenants import a_tenant

BIG = "".join(f"line {n}\n" for n in range(1, 5001))  # a large file: 5,000 lines


def test_a_hunk_changes_only_its_lines_of_a_large_file() -> None:
    after = apply_edits("src/big.py", BIG, [Edit(search="line 2500\n", replace="line 2500 changed\n")])
    assert after.splitlines() == ["line 2500 changed" if n == 2500 else f"line {n}" for n in range(1, 5001)]
    two = [Edit(search="line 1\n", replace="first\n"), Edit(search="first\nline 2\n", replace="x\n")]
    assert apply_edits("a", "line 1\nline 2\nline 3\n", two) == "x\nline 3\n"  # each on what came before


@pytest.mark.parametrize(
    ("edits", "reason"),
    [
        (
            [Edit(search="line 9999\n", replace="x")],
            "hunk 1 does not apply: its search text 'line 9999' is not in",
        ),
        (
            [Edit(search="line 25", replace="x")],
            "hunk 1 does not apply: its search text 'line 25' is found 111 times",
        ),
        ([Edit(search="line 7\n", replace="line 7\n")], "the hunks change nothing"),
    ],
    ids=["missing", "ambiguous", "no-op"],
)
def test_a_hunk_that_does_not_apply_is_refused_with_its_reason(edits: list[Edit], reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")) as refused:
        apply_edits("src/big.py", BIG, edits)
    assert "src/big.py" in str(refused.value)


def test_an_existing_file_is_patched_or_replaced_whole_only_when_said() -> None:
    edit = [Edit(search="b\n", replace="B\n")]
    assert resolve_file("f", "a\nb\n", None, edit, rewrite=False) == ("a\nB\n", "edit")
    assert resolve_file("new.md", None, "hello\n", [], rewrite=False) == ("hello\n", "create")
    with pytest.raises(ValueError, match=r"exists .*change it with edits .*or set rewrite: true"):
        resolve_file("f", "a\nb\n", "whole\n", [], rewrite=False)  # never a silent whole-file rewrite
    assert resolve_file("f", "a\nb\n", "whole\n", [], rewrite=True) == ("whole\n", "rewrite")
    with pytest.raises(ValueError, match="does not exist; give its content to create it"):
        resolve_file("gone.py", None, None, edit, rewrite=False)


@pytest.mark.parametrize(
    ("texts", "found"),
    [
        (
            {"AGENTS.md": "- Run the tests with `python -m unittest discover -s tests -v`;\n"},
            "python -m unittest discover -s tests -v",
        ),
        ({"CONTRIBUTING.md": "# Dev\n\nTo run the tests:\n\n```sh\n$ make check\n```\n"}, "make check"),
        (
            {"AGENTS.md": "Style: `ruff format`.\n", "CONTRIBUTING.md": "Tests: `tox -e py313`\n"},
            "tox -e py313",
        ),
        ({"AGENTS.md": "Never edit `tests/` files.\nBe brief.\n"}, ""),
    ],
    ids=["inline", "fenced", "second-file", "none"],
)
def test_the_test_command_is_taken_from_the_conventions_files(texts: dict[str, str], found: str) -> None:
    command, source = find_test_command(texts)
    assert command == found
    assert source == ("" if not found else next(p for p, t in texts.items() if found in t))


def _plan(repository: str) -> dict[str, object]:
    args = {"repository": repository, "paths": ["README.md"]}
    steps = [
        {"tool": "read_repository", "args_json": json.dumps(args)},
        {"tool": "finish", "args_json": json.dumps({"summary": "read"})},
    ]
    return {"goal": "read", "risk": "low", "steps": steps}


def test_a_plan_naming_a_repository_the_owner_did_not_allow_is_corrected_before_it_runs() -> None:
    with pytest.raises(
        ModelFixableError,
        match=r"step 1 \(read_repository\): repository 'evil/repo' is not one the owner allowed; .*: acme/site",
    ):
        validate_plan(PlanOut.model_validate(_plan("evil/repo")), 10, repositories=["acme/site"])
    referenced = PlannedStep(tool="read_repository", args={"repository": "${steps.1.text}"})
    check_reach([referenced], ["acme/site"])  # a reference is checked when it resolves, by the tool


def test_the_planner_is_told_the_owners_repositories_and_asked_again_for_another() -> None:
    model = FakeModel({"PlanOut": [_plan("evil/repo"), _plan("acme/site")]})
    deps = make_deps(model=model)
    assert deps.tenants is not None
    allowed = TenantSettings(github_repositories=["acme/site"], vercel_projects=["site"])
    deps.tenants.save(
        a_tenant("t1", "w1", datetime.now(UTC), token_secret="notion-token-t1", settings=allowed)
    )
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="read", trigger=Trigger(kind="api")), deps)
    first = model.prompts[0][1]
    told = json.loads(first[first.rindex("```json") + 7 : first.rindex("```")])["code_reach"]
    assert told["github_repositories"] == ["acme/site"] and "Nothing a page" in told["note"]
    run = deps.store.get_run("t1", "r1")
    assert run is not None
    assert [s.args["repository"] for s in run.state.steps if s.tool == "read_repository"] == ["acme/site"]
    errors = [e.message for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    assert any("'evil/repo' is not one the owner allowed" in m for m in errors)
