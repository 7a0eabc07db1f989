"""``make eval-agents``' code tasks (local/eval_code.toml): a small repository with
failing tests seeded in the code sandbox, an idea page, the real pipeline to a pull request.

The end state is checked by running the repository's own tests on the pull request's branch, in a
temporary checkout with the seeded tests put back, never by a model. Each task reports its minutes,
cost and pass; :func:`metrics` gives the seed's three figures (median minutes, pass rate, most cost).
``python -m local.eval_code`` is ``make eval-agents``: local/eval_agents.py's tasks, then these.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from local.code_sandbox.testing import Admin
from local.eval_agents import (
    JSON,
    EndState,
    HarnessError,
    Outcome,
    Task,
    Workspace,
    main,
    set_up,
    settle,
    start,
)
from local.stack import LocalStack

CODE_FILE = Path(__file__).with_name("eval_code.toml")
READY = "Ready for agent"  # the Ideas status that starts the coding agent (the sandbox's seed has it)
CODE_TIMEOUT_S = 900.0  # a task's runs settle within it: the seed's "under 10 minutes", with room
OUTPUT_TAIL = 400  # characters of the tests' output a failure quotes


@dataclass(frozen=True)
class CodeTask:
    """A repository with failing tests and the idea asking for the change; ``solution``, a known-good
    change never shown to the agent, is for the harness's own tests."""

    name: str
    description: str
    repository: str
    idea: JSON
    files: dict[str, str]
    solution: dict[str, str]
    test: list[str]
    test_timeout_s: float
    instructions: str
    timeout_s: float = CODE_TIMEOUT_S

    def tests(self) -> dict[str, str]:
        """The repository's own test files as seeded: what is run, whatever the change did to them."""
        return {p: t for p, t in self.files.items() if p.startswith("tests/")}

    def as_task(self) -> Task:
        """The Notion side: the coding agent, the idea page, its Status set to start it; the owner
        approves every request at once (``owner_approves``)."""
        agent = {"name": "Coder", "on_status": READY, "instructions": self.instructions}
        page = {"ref": "idea", "title": self.idea["title"], "lines": list(self.idea.get("lines", []))}
        start = {"kind": "status", "page": "idea", "to": READY}
        return Task(self.name, self.description, [agent], [page], start, [], True, self.timeout_s)

    def run(self, stack: LocalStack, index: int) -> "CodeOutcome":
        """This task on ``stack`` (:func:`run_code_task`), as ``evaluate`` asks a task that runs itself."""
        return run_code_task(stack, self, index)


def load_code_tasks(path: Path = CODE_FILE) -> list[CodeTask]:
    """The code tasks of ``path``; a HarnessError names what is missing."""
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HarnessError(f"{path}: {exc}") from exc
    test, agents_md = list(raw.get("test") or []), str(raw.get("agents_md") or "")
    if not test or not agents_md or "{repository}" not in str(raw.get("instructions", "")):
        raise HarnessError(f"{path}: needs test, agents_md and instructions naming {{repository}}")
    tasks = []
    for spec in raw.get("tasks", []):
        name = str(spec.get("name") or "?")
        missing = [k for k in ("description", "repository", "idea", "files", "solution") if not spec.get(k)]
        files = {str(p): str(t) for p, t in (spec.get("files") or {}).items()}
        if not any(p.startswith("tests/") for p in files):
            missing.append("a file under tests/")
        if missing:
            raise HarnessError(f"code task {name}: needs {', '.join(missing)}")
        tasks.append(
            CodeTask(
                name=name,
                description=str(spec["description"]),
                repository=str(spec["repository"]),
                idea=dict(spec["idea"]),
                files=files | {"AGENTS.md": agents_md},
                solution={str(p): str(t) for p, t in spec["solution"].items()},
                test=test,
                test_timeout_s=float(raw.get("test_timeout_s", 60)),
                instructions=str(raw["instructions"]).format(repository=spec["repository"]),
                timeout_s=float(spec.get("timeout_s", CODE_TIMEOUT_S)),
            )
        )
    if len({t.name for t in tasks}) != len(tasks):
        raise HarnessError(f"{path}: task names repeat")
    return tasks


# -- running a repository's tests ------------------------------------------------------------------------


@dataclass(frozen=True)
class TestRun:
    passed: bool
    summary: str  # how it ended, and the end of its output


def command(test: list[str]) -> list[str]:
    """The declared test command as run here: ``python`` is this interpreter (a 3.13, as the task's
    repository expects), so no other Python on the machine is picked up."""
    return [sys.executable, *test[1:]] if test[0] == "python" else list(test)


def run_tests(files: dict[str, str], test: list[str], timeout_s: float) -> TestRun:
    """``test`` run in a temporary checkout of ``files`` with ``PATH`` alone in its environment; it
    passes when it exits 0 within ``timeout_s``."""
    with tempfile.TemporaryDirectory(prefix="eval-code-") as checkout:
        for path, text in files.items():
            target = Path(checkout, path).resolve()
            if not target.is_relative_to(Path(checkout).resolve()):
                return TestRun(False, f"the change names a path outside the repository: {path!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": checkout}
        try:
            done = subprocess.run(
                command(test),
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return TestRun(False, f"the tests ran past {timeout_s:g} s")
    tail = " ".join((done.stdout + done.stderr).split())[-OUTPUT_TAIL:]
    return TestRun(done.returncode == 0, f"exit {done.returncode}: {tail}")


# -- the end state ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    passed: bool
    failures: list[str]
    pull: str = ""  # "PR #<number>": the pull request judged
    notes: list[str] = field(default_factory=list)


def judge(task: CodeTask, pulls: list[JSON], files_of: Callable[[str], dict[str, str]]) -> Verdict:
    """The task passes when a pull request is open in its repository and the repository's own tests
    pass on its branch (``files_of(branch)``), the seeded test files put back first."""
    opened = [p for p in pulls if p.get("state") == "open"]
    if not opened:
        return Verdict(False, ["no pull request is open in " + task.repository])
    pull = max(opened, key=lambda p: int(p["number"]))
    files = files_of(str(pull["head"]))
    seeded = task.tests()
    touched = sorted(p for p, t in seeded.items() if files.get(p) != t)
    ran = run_tests(files | seeded, task.test, task.test_timeout_s)
    failures = [] if ran.passed else [f"the repository's tests fail on {pull['head']}: {ran.summary}"]
    notes = [f"the change edited tests, put back: {', '.join(touched)}"] if touched else []
    return Verdict(ran.passed, failures, f"PR #{pull['number']}", notes)


@dataclass
class CodeOutcome(Outcome):
    minutes: float | None = None  # the first run's start to the last run's end; None: no run
    cost_usd: float = 0.0  # what the task's runs spent (their cost_usd)
    pull: str = ""

    @classmethod
    def figures(cls, outcomes: list[Outcome]) -> str:
        """The seed's three figures (:func:`metrics`) as the RESULT line's ``code_*`` fields."""
        return metrics([o for o in outcomes if isinstance(o, CodeOutcome)]).fields()

    def detail(self) -> str:
        took = f"{self.minutes:.1f} min" if self.minutes is not None else "no run"
        return f"{took}, ${self.cost_usd:.4f}" + (f", {self.pull}" if self.pull else "")


def span_minutes(runs: list[JSON]) -> float | None:
    """Minutes from the earliest run's creation to the latest run's last update (the idea's Status
    change to the pull request, the owner's approvals given at once); None for no run."""
    if not runs:
        return None
    began = min(datetime.fromisoformat(r["created_at"]) for r in runs)
    ended = max(datetime.fromisoformat(r["updated_at"]) for r in runs)
    return (ended - began).total_seconds() / 60


# -- running a task --------------------------------------------------------------------------------------


def seed(admin: Admin, task: CodeTask, token: str) -> None:
    """The task's repository in the code sandbox, its check running the declared tests on each push,
    ``token`` granted write access. A HarnessError when its tests already pass (a task with nothing
    to do measures nothing)."""
    before = run_tests(task.files, task.test, task.test_timeout_s)
    if before.passed:
        raise HarnessError(f"code task {task.name}: its tests pass before any change")
    admin.post("/github/repos", {"full_name": task.repository, "default_branch": "main", "files": task.files})
    check = {"name": "tests", "command": command(task.test), "timeout_s": task.test_timeout_s}
    admin.set_checks(task.repository, [check | {"kind": "check_run"}])
    admin.grant_github(token, [task.repository], login="eval-owner")


def run_code_task(stack: LocalStack, task: CodeTask, index: int) -> CodeOutcome:
    """One code task from a fresh workspace and repository to its checked pull request."""
    began = time.monotonic()
    admin = Admin(stack.code_sandbox_url)
    try:
        token = f"ghp_eval_{index}_{task.name}"  # the sandbox's, for this task's repository only
        seed(admin, task, token)
        ws = Workspace(stack, f"eval{index}")
        notion = task.as_task()
        refs, agents = set_up(ws, notion)
        ws.api("PATCH", "/settings", {"github_repositories": [task.repository]})
        ws.api("PUT", "/integrations/github", {"token": token})
        start(ws, notion, refs)
        runs = settle(ws, notion)
        verdict = judge(task, admin.repo(task.repository)["pulls"], lambda b: admin.files(task.repository, b))
        ids = {n: a["agent_id"] for n, a in agents.items()}
        end = EndState(ws.state(), runs, {}, refs, ids)
    finally:
        admin.close()
    unfinished = [f"run {r['run_id']} {r['status']}" for r in runs if r["status"] != "completed"]
    return CodeOutcome(
        task.name,
        verdict.passed,
        verdict.failures + verdict.notes + unfinished,
        time.monotonic() - began,
        end,
        minutes=span_minutes(runs),
        cost_usd=sum(float(r.get("cost_usd") or 0.0) for r in runs),
        pull=verdict.pull,
    )


# -- the seed's three figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeMetrics:
    tasks: int
    passed: int
    median_minutes: float | None  # of the tasks that started a run
    pass_rate: float
    max_cost_usd: float

    def fields(self) -> str:
        """The RESULT line's code fields."""
        median = f"{self.median_minutes:.1f}" if self.median_minutes is not None else "none"
        return (
            f"code_tasks={self.tasks} code_passed={self.passed} code_median_minutes={median} "
            f"code_pass_rate={self.pass_rate:.2f} code_max_cost_usd={self.max_cost_usd:.4f}"
        )


def metrics(outcomes: list[CodeOutcome]) -> CodeMetrics:
    """Idea to pull request in minutes (median), the share of tasks whose tests pass, the most a task
    cost: the seed's under 10 minutes, over 80 % and under $1."""
    took = [o.minutes for o in outcomes if o.minutes is not None]
    passed = sum(o.passed for o in outcomes)
    return CodeMetrics(
        tasks=len(outcomes),
        passed=passed,
        median_minutes=statistics.median(took) if took else None,
        pass_rate=passed / len(outcomes) if outcomes else 0.0,
        max_cost_usd=max((o.cost_usd for o in outcomes), default=0.0),
    )


if __name__ == "__main__":  # make eval-agents: the agents' tasks, then these
    sys.exit(main(more=load_code_tasks))
