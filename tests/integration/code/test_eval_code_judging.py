"""`make eval-agents`' code tasks on the code sandbox: a task's repository seeded
with its check, a pull request opened through the production GitHub adapter (what
``open_pull_request`` sends), then judged as the harness judges it, by running the repository's own
tests on the branch. Its known-good change passes and agrees with the sandbox's check run; a
known-bad one (the offline model's note) fails, as its check does."""

from collections.abc import Iterator

import pytest

from local.code_sandbox.testing import Admin, running_code_sandbox
from local.eval_code import CodeTask, judge, load_code_tasks, seed
from shared.code.adapters.github import GitHubCodeHost
from shared.code.domain.code import CodeChange, FileChange

pytestmark = pytest.mark.integration

TASKS = {t.name: t for t in load_code_tasks()}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[GitHubCodeHost, Admin]]:
    with running_code_sandbox() as (url, admin):
        yield GitHubCodeHost(url + "/github", 10.0), admin


def _token(task: CodeTask) -> str:
    return f"ghp_eval_{task.name}"  # one each, as the harness grants: a grant names its repositories


def _propose(github: GitHubCodeHost, task: CodeTask, files: dict[str, str], branch: str) -> None:
    change = CodeChange(
        repository=task.repository,
        branch=branch,
        title=task.idea["title"],
        commit_message=task.idea["title"],
        files=[FileChange(path=p, content=t) for p, t in files.items()],
        draft=True,
    )
    github.open_pull_request(_token(task), change)


def _judged(admin: Admin, task: CodeTask) -> tuple[bool, list[str], str]:
    verdict = judge(task, admin.repo(task.repository)["pulls"], lambda b: admin.files(task.repository, b))
    [check] = admin.checks_done(task.repository, timeout_s=60)
    return verdict.passed, verdict.failures, check["conclusion"]


def test_a_known_good_change_passes_and_a_known_bad_one_fails_as_the_sandboxs_check_says(
    sandbox: tuple[GitHubCodeHost, Admin],
) -> None:
    github, admin = sandbox
    good, bad = TASKS["code-quoted-csv"], TASKS["code-roman-numerals"]
    for task in (good, bad):
        seed(admin, task, _token(task))
        assert admin.files(task.repository, "main") == task.files
        assert judge(task, [], lambda _: {}).failures == [f"no pull request is open in {task.repository}"]

    _propose(github, good, good.solution, "notion-agent/good")
    passed, failures, check = _judged(admin, good)
    assert (passed, failures, check) == (True, [], "success")

    _propose(github, bad, {"notes/roman-numerals.md": "# Plan for Roman numerals\n"}, "notion-agent/note")
    passed, failures, check = _judged(admin, bad)
    assert not passed and check == "failure"
    assert failures[0].startswith("the repository's tests fail on notion-agent/note: exit 1")
    assert "NotImplementedError" in failures[0]
