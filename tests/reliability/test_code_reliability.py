"""Reliability of the code steps: runs planned ``read_page → open_pull_request → deploy_vercel (a
preview of the pull request's branch) → finish``, whose GitHub and Vercel steps run on the deploy
function against the code sandbox, on the same engine stack as test_engine_reliability. A code tool
push is asked at its own step (decision 0142: no plan-level approval is inserted when every risky step
is a code effect; the harness approves each from the outbox), so the code tools run as steps 2 and 3.

(d) every task (plan, execute-step, deploy, notify) delivered twice, concurrently, in random order;
(e) the same, with a crash at each boundary of each code tool. Afterwards every run completed and the
code sandbox holds exactly one pull request and one deployment per run. Each adds to the RESULT line.
"""

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from shared.code.domain.github_events import BRANCH_PREFIX
from shared.runs.domain.events import RunStatus, ToolResult
from shared.tools.base import idempotency_key
from shared.tools.code.pull_request import branch_for
from shared.workspace.domain.tenants import tenant_tag
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import (
    BOUNDARIES,
    DUPLICATES_ATTEMPTS,
    REPOSITORY,
    TENANT,
    VERCEL_PROJECT,
    ScriptedPlanModel,
    Stack,
    StepCrashes,
    crashing_store,
    duplicated_effects,
    engine_stack,
    outcome_counts,
    sound,
)

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
CODE_TOOLS = {"open_pull_request": 2, "deploy_vercel": 3}  # each code tool's step (0142: no plan approval)
TITLE = "Change from "  # + the run id: how a pull request is traced to its run, whatever its branch


class CodePlanModel(ScriptedPlanModel):
    """Plans ``read_page → open_pull_request → deploy_vercel → finish`` for a goal ``code|<run>|<page>``."""

    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        pull = {
            "repository": REPOSITORY,
            "title": TITLE + run,
            "body": "From the Notion page ${steps.1.title}",
            "files": [{"path": f"notes/{run}.md", "content": f"Notes of {run}\n"}],
        }
        preview = {"project": VERCEL_PROJECT, "repository": REPOSITORY, "ref": "${steps.2.branch}"}
        return [
            ("read_page", {"page_id": page}),
            ("open_pull_request", pull),
            ("deploy_vercel", preview),
            ("finish", {"summary": "Opened ${steps.2.url}, preview at ${steps.3.url}"}),
        ]


def start_all(stack: Stack, pages: dict[str, str]) -> None:
    for run, page in pages.items():
        stack.start(run, page, goal=f"code|{run}|{page}")


def run_of(key: str) -> str:
    """The run of an effect's key (``<tenant tag>-<run>:<step>:<call>``, shared.tools.base)."""
    return key.rsplit(":", 2)[0].removeprefix(f"{tenant_tag(TENANT)}-")


def code_effects(stack: Stack) -> tuple[Counter[str], Counter[str]]:
    """Pull requests per run (by title) and deployments per run (by the key in their meta)."""
    pulls = Counter(p["title"].removeprefix(TITLE) for p in stack.pulls())
    deployments = Counter(run_of(str(d["meta"].get("notionAgentKey", ""))) for d in stack.deployments())
    return pulls, deployments


def tally(stack: Stack, pages: dict[str, str]) -> tuple[dict[str, int], Counter[str], Counter[str]]:
    """The RESULT counts (a code effect beyond one per run, or a Notion one, is a duplicated effect)."""
    states = {run: stack.state(run) for run in pages}
    pulls, deployments = code_effects(stack)
    extra = sum(n - 1 for n in pulls.values()) + sum(n - 1 for n in deployments.values())
    result = outcome_counts(states, {RunStatus.COMPLETED}) | {
        "duplicated_effects": extra + duplicated_effects(stack, pages)
    }
    unfinished = [run for run, s in states.items() if s is None or s.status != RunStatus.COMPLETED]
    if unfinished:
        print(stack.describe(unfinished))  # shown with the failure
    TOTALS.update(result)
    return result, pulls, deployments


def previews(stack: Stack) -> tuple[dict[str, str], dict[str, tuple[str, Any]]]:
    """Each run's pull request's branch, and its deployment's ref and target."""
    heads = {p["title"].removeprefix(TITLE): p["head"] for p in stack.pulls()}
    refs = {
        run_of(str(d["meta"]["notionAgentKey"])): (d["gitSource"]["ref"], d["target"])
        for d in stack.deployments()
    }
    return heads, refs


def check_previews(pages: dict[str, str], heads: dict[str, str], refs: dict[str, tuple[str, Any]]) -> None:
    """Each run's deployment is a preview (target null) of its own pull request's branch."""
    for run in pages:
        branch = branch_for(idempotency_key(TENANT, run, CODE_TOOLS["open_pull_request"]))
        assert heads[run] == branch and refs[run] == (branch, None), (run, heads[run], refs[run])


def check_each_step_once(events: dict[str, list[Any]]) -> None:
    for run, log in events.items():
        steps = [e.step for e in log if isinstance(e, ToolResult)]
        assert sorted(steps) == [1, 2, 3, 4], (run, steps)  # no inserted approval step (0142)


# A step's lease outlives the code host's and the deployer's requests, as production's settings
# check holds (NA_STEP_LEASE_S above every request timeout): under the harness's 1 s a loaded CI
# machine's slow pull request was overtaken while still under way. The overtaking delivery found
# nothing yet, opened the same branch's request itself (one pull request, unreconciled), which a
# deployment cannot do.
CODE_LEASE_S = 4.0


def code_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AbstractContextManager[Stack]:
    """The engine stack with the code tools, planned by :class:`CodePlanModel`, each plan task tried
    up to DUPLICATES_ATTEMPTS times, a step's lease ``CODE_LEASE_S``."""
    return engine_stack(
        tmp_path,
        monkeypatch,
        model=CodePlanModel(),
        code=True,
        plan_attempts=DUPLICATES_ATTEMPTS,
        step_lease_s=CODE_LEASE_S,
    )


def test_d_code_steps_every_task_twice_in_random_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    with code_stack(tmp_path, monkeypatch) as stack:
        pages = {f"code-{i}": stack.new_idea(f"Code {i}") for i in range(scale(6, 40))}
        start_all(stack, pages)
        stack.settle(twice=True)
        result, pulls, deployments = tally(stack, pages)
        heads, refs = previews(stack)
        events = {run: stack.deps.store.list_events(TENANT, run) for run in pages}
    assert result == sound(len(pages)), result
    assert pulls == deployments == Counter(list(pages)), (pulls, deployments)  # one of each per run
    check_previews(pages, heads, refs)
    check_each_step_once(events)


def crashing_after(
    inner: Any, method: str, step: int, run_of_call: Callable[[Any], str], crashes: StepCrashes
) -> Any:
    """``inner`` (the GitHub or Vercel adapter), crashing at plan ``step`` once its ``method`` has had its
    effect, before the result is recorded; ``run_of_call`` names the run from the call's argument."""

    class Crashing:
        def __getattr__(self, name: str) -> Any:
            attr = getattr(inner, name)
            if name != method:
                return attr

            def call(token: str, arg: Any) -> Any:
                done = attr(token, arg)
                crashes.hit(run_of_call(arg), step, "effect_result")
                return done

            return call

    return Crashing()


def pull_request_run(change: Any) -> str:
    """The run whose pull request ``change`` is, from its branch: ``<prefix><tenant tag>-<run>-<step>-<call>``."""
    key = change.branch.removeprefix(BRANCH_PREFIX)
    return str(key.rsplit("-", 2)[0].removeprefix(f"{tenant_tag(TENANT)}-"))


def test_e_code_steps_a_crash_at_each_boundary_of_each_code_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, firestore_db: Any
) -> None:
    with code_stack(tmp_path, monkeypatch) as stack:
        cases = [(tool, b) for tool in CODE_TOOLS for b in BOUNDARIES]
        pages = {f"code-crash-{i}": stack.new_idea(f"Code crash {i}") for i in range(len(cases))}
        plan = {run: (CODE_TOOLS[tool], b) for run, (tool, b) in zip(pages, cases, strict=True)}
        crashes = StepCrashes(plan)
        stack.wrap("store", lambda inner: crashing_store(inner, crashes))
        pull_step, deploy_step = CODE_TOOLS["open_pull_request"], CODE_TOOLS["deploy_vercel"]
        stack.wrap(
            "code_host",
            lambda inner: crashing_after(inner, "open_pull_request", pull_step, pull_request_run, crashes),
        )
        stack.wrap(
            "deployer",
            lambda inner: crashing_after(
                inner, "create_deployment", deploy_step, lambda r: run_of(r.key), crashes
            ),
        )
        start_all(stack, pages)
        stack.settle(twice=True)
        stack.settle(twice=True)  # deliveries answered 503 while a crashed intent's lease ran out
        result, pulls, deployments = tally(stack, pages)
        heads, refs = previews(stack)
        events = {run: stack.deps.store.list_events(TENANT, run) for run in pages}
    assert crashes.done == set(pages), f"planned crashes that did not happen: {set(pages) - crashes.done}"
    assert result == sound(len(pages)), result
    assert pulls == deployments == Counter(list(pages)), (pulls, deployments)  # one of each per run
    check_previews(pages, heads, refs)
    check_each_step_once(events)
    # a crash after the effect was answered by finding it again (the tool's reconcile), not by redoing it
    reconciled = {
        (run, e.step)
        for run, log in events.items()
        for e in log
        if isinstance(e, ToolResult) and e.reconciled
    }
    found_again = {(run, step) for run, (step, b) in plan.items() if b == "effect_result"}
    assert found_again <= reconciled, found_again - reconciled
