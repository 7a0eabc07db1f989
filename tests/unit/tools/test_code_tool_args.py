"""Arguments of the GitHub/Vercel tools that GitHub or Vercel would refuse (a ``./`` or ``/`` path, a
path given twice, a blank title, a ref git refuses, a repository that is not ``owner/name``) are the
model's to fix: refused when the plan is checked and before a step's intent, with the domain's
message; a refusal found only inside the tool is model-fixable too, before any call to GitHub or
Vercel. None of them may escape ``run_step`` (the deploy function would answer 500 and the run would
be retried for ever)."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.code.domain.code import CodeChange, Deployment, DeployRequest, PullRequest
from shared.code.services.code_access import CodeAccess
from shared.engine.agent.plans import validate_plan
from shared.engine.planning.start import start_run
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import ModelFixableError
from shared.runs.domain.events import ErrorKind, ErrorRecorded, RunStatus, ToolIntent, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.tools import validate
from shared.tools.base import ToolContext, idempotency_key
from shared.tools.code.files import FileArgs
from shared.tools.code.pull_request import (
    DeployArgs,
    OpenPullRequestArgs,
    branch_for,
    deploy_vercel,
    open_pull_request,
)
from shared.tools.flow import SendNotificationArgs, send_notification
from shared.workspace.domain.integrations import Integration, code_token_secret
from shared.workspace.domain.settings import TenantSettings
from tests.engine_fakes import FakeModel, FakeNotion, make_deps, run_step_as_owner
from tests.fakes import FakeQueue, FakeTenantStore, UnfakedCodeChecks, UnfakedReleases
from tests.support.platform.unchecked import unchecked
from tests.support.tools.code_tool_args import GOOD_DEPLOY, GOOD_PULL, deploy, files, pull
from tests.support.workspace.tenants import a_tenant

# id: (tool, arguments, what the message must say)
CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "dot-slash-path": (
        "open_pull_request",
        pull(files=files("./README.md")),
        "file path './README.md' may not contain '..'",
    ),
    "absolute-path": (
        "open_pull_request",
        pull(files=files("/README.md")),
        "relative to the repository root",
    ),
    "dot-dot-path": ("open_pull_request", pull(files=files("docs/../x.md")), "'..' or '.' components"),
    "git-path": ("open_pull_request", pull(files=files(".git/config")), "may not write inside '.git'"),
    "repeated-path": ("open_pull_request", pull(files=files("a.md", "b.md", "a.md")), "'a.md' appears twice"),
    "surrogate-content": (
        "open_pull_request",
        pull(files=[{"path": "a.md", "content": "half \ud800 a character"}]),
        "files.0.content: ",  # pydantic's or the domain's words
    ),
    "blank-title": ("open_pull_request", pull(title="   "), "title: must not be empty"),
    "bad-base": ("open_pull_request", pull(base="release 1"), "base branch 'release 1' may only contain"),
    "bad-pull-repository": ("open_pull_request", pull(repository="acme/site/"), "must be 'owner/name'"),
    "spaced-ref": ("deploy_vercel", deploy(ref="launch note"), "ref 'launch note' may only contain"),
    "trailing-slash-ref": ("deploy_vercel", deploy(ref="feature/"), "ref 'feature/' may not start with"),
    "spaced-repository": ("deploy_vercel", deploy(repository="acme site"), "must be 'owner/name'"),
    "url-repository": ("deploy_vercel", deploy(repository="https://github.com/acme/site"), "'owner/name'"),
    "bad-project": ("deploy_vercel", deploy(project="my site"), "project must be a Vercel project name"),
}
BAD = list(CASES.values())
IDS = list(CASES)


# --- plan time -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("tool", "args", "message"), BAD, ids=IDS)
def test_a_bad_argument_is_refused_when_checked_with_the_domains_reason(
    tool: str, args: dict[str, Any], message: str
) -> None:
    with pytest.raises(ModelFixableError, match="bad arguments for") as caught:
        validate(tool, args)
    assert message in caught.value.reason
    assert "Value error" not in caught.value.reason  # pydantic's prefix says nothing to the model


@pytest.mark.parametrize(("tool", "args", "message"), BAD[:3], ids=IDS[:3])
def test_a_plan_with_a_bad_argument_goes_back_to_the_planner(
    tool: str, args: dict[str, Any], message: str
) -> None:
    plan = PlanOut.model_validate(
        {
            "goal": "ship",
            "steps": [
                {"tool": tool, "args_json": json.dumps(args)},
                {"tool": "finish", "args_json": json.dumps({"summary": "done"})},
            ],
        }
    )
    with pytest.raises(ModelFixableError, match=r"^step 1: bad arguments") as caught:
        validate_plan(plan, max_steps=10)
    assert message in caught.value.reason


def test_good_arguments_and_references_pass_and_the_text_around_a_reference_is_checked() -> None:
    assert validate("open_pull_request", GOOD_PULL)
    assert validate("open_pull_request", pull(base="release/1.2", files=files(".github/ci.yml", "x")))
    assert validate("deploy_vercel", deploy(ref="notion-agent/r1-2-1"))
    # Resolved only when the step runs, and checked then, before the intent.
    assert validate("deploy_vercel", deploy(ref="${steps.2.branch}", repository="${steps.2.repository}"))
    assert validate("open_pull_request", pull(title="${steps.1.title}", base="${steps.1.base}"))
    assert validate("open_pull_request", pull(files=files("notes/${steps.1.slug}.md", "${steps.1.path}")))
    assert validate("open_pull_request", pull(repository="acme/${steps.1.name}"))
    with pytest.raises(ModelFixableError, match=r"file path '\./\$\{steps\.1\.slug\}\.md' may not"):
        validate("open_pull_request", pull(files=files("./${steps.1.slug}.md")))
    with pytest.raises(ModelFixableError, match=r"ref 'release \$\{steps\.1\.n\}' may only contain"):
        validate("deploy_vercel", deploy(ref="release ${steps.1.n}"))
    with pytest.raises(ModelFixableError, match="appears twice"):  # the same text: the same path
        validate("open_pull_request", pull(files=files("${steps.1.path}", "${steps.1.path}")))


# --- a run's step (the deploy function's engine) -------------------------------------------------


@dataclass
class Host(UnfakedCodeChecks):
    """GitHub, recording what it was asked."""

    calls: list[str] = field(default_factory=list)
    changes: list[CodeChange] = field(default_factory=list)

    def account(self, token: str) -> str:
        return "octo"

    def find_pull_request(self, token: str, repository: str, branch: str) -> PullRequest | None:
        self.calls.append("find")
        return None

    def open_pull_request(self, token: str, change: CodeChange) -> PullRequest:
        self.calls.append("open")
        self.changes.append(change)
        url = f"https://github.com/{change.repository}/pull/{len(self.changes)}"
        return PullRequest(
            number=len(self.changes), url=url, branch=change.branch, head_sha="abc", state="open"
        )

    def current_files(
        self, token: str, repository: str, base: str, paths: list[str]
    ) -> dict[str, str | None]:
        return dict.fromkeys(paths)  # an empty repository: every file is new


@dataclass
class Vercel(UnfakedReleases):
    """Vercel, recording what it was asked."""

    calls: list[str] = field(default_factory=list)
    requests: list[DeployRequest] = field(default_factory=list)

    def account(self, token: str) -> str:
        return "octo"

    def find_deployment(
        self, token: str, project: str, key: str, team_id: str | None = None
    ) -> Deployment | None:
        self.calls.append("find")
        return None

    def create_deployment(self, token: str, request: DeployRequest) -> Deployment:
        self.calls.append("create")
        self.requests.append(request)
        return Deployment(id="dpl_1", url="https://site-1.vercel.app", state="QUEUED", target=request.target)

    def get_deployment(self, token: str, deployment_id: str, team_id: str | None = None) -> Deployment:
        raise AssertionError("not used")


class Deploy:
    """The deploy function's deps over fakes: one run ``r1`` planned with ``steps`` (+ finish)."""

    def __init__(self, steps: list[tuple[str, dict[str, Any]]], fixes: list[dict[str, Any]]) -> None:
        plan = {
            "goal": "ship",
            "risk": "low",
            "steps": [
                {"tool": t, "args_json": json.dumps(a)} for t, a in [*steps, ("finish", {"summary": "ok"})]
            ],
        }
        self.model = FakeModel({"PlanOut": [plan], "ArgsFix": [{"args_json": json.dumps(f)} for f in fixes]})
        base = make_deps(model=self.model, notion=FakeNotion())
        tenants = FakeTenantStore()
        now = datetime.now(UTC)
        allowed = TenantSettings(github_repositories=["acme/site"], vercel_projects=["site"])
        tenants.save(a_tenant("t1", "w1", now, token_secret="notion-token-t1", settings=allowed))
        if base.tenants is not None:  # the planner is told the owner's repositories, as the deploy function
            base.tenants.save(a_tenant("t1", "w1", now, token_secret="notion-token-t1", settings=allowed))
        base.secrets.put(code_token_secret("t1", Integration.GITHUB), "ghp_test")
        base.secrets.put(code_token_secret("t1", Integration.VERCEL), "vercel_test")
        self.host, self.vercel = Host(), Vercel()
        code = CodeAccess(self.host, self.vercel, base.secrets, tenants)
        self.deps: Deps = base._replace(code=code, notion_for=None, tenants=tenants)
        start_run(PlanTask(tenant_id="t1", run_id="r1", goal="ship", trigger=Trigger(kind="api")), base)

    def ready(self, n: int) -> int:
        """The plan's step ``n`` as the model numbered it, as the run numbers it (the approval a code
        tool needs is inserted before it), once the approvals before it were given by the owner."""
        steps = self.state().steps
        actual = [i for i, s in enumerate(steps, 1) if s.tool != "request_approval"][n - 1]
        on_execute_step = self.deps._replace(code=None)  # where an approval step runs
        while self.state().cursor < actual and steps[self.state().cursor - 1].tool == "request_approval":
            run_step_as_owner(
                StepTask(tenant_id="t1", run_id="r1", step=self.state().cursor), on_execute_step
            )
        return actual

    def step(self, n: int = 1) -> bool:
        """A delivery of the plan's step ``n`` (numbered as the model planned it)."""
        actual = self.ready(n)
        return run_step_as_owner(StepTask(tenant_id="t1", run_id="r1", step=actual), self.deps).acted

    def events(self) -> list[Any]:
        return list(self.deps.store.list_events("t1", "r1"))

    def state(self) -> Any:
        run = self.deps.store.get_run("t1", "r1")
        assert run is not None
        return run.state


def refused_first(tool: str) -> dict[str, Any]:
    """Planned arguments the tool refuses after the intent (a patch of a file that does not exist;
    a project the owner did not allow): the next attempt asks the model for repaired ones. A
    repository the owner did not allow is refused sooner, when the plan is made."""
    patch = [{"path": "README.md", "why": "x", "edits": [{"search": "a", "replace": "b"}]}]
    return pull(files=patch) if tool == "open_pull_request" else deploy(project="other")


@pytest.mark.parametrize(("tool", "bad", "message"), BAD, ids=IDS)
def test_repaired_arguments_that_are_bad_are_a_model_fixable_error_before_the_intent(
    tool: str, bad: dict[str, Any], message: str
) -> None:
    good = GOOD_PULL if tool == "open_pull_request" else GOOD_DEPLOY
    run = Deploy([(tool, refused_first(tool))], fixes=[bad, good])
    assert not run.step()  # refused by the tool: not allowed
    intents = sum(isinstance(e, ToolIntent) for e in run.events())

    assert not run.step()  # the repair is bad: an error the model is asked to fix, not an exception
    last = run.events()[-1]
    assert isinstance(last, ErrorRecorded) and last.error == ErrorKind.MODEL_FIXABLE
    assert message in last.message
    assert sum(isinstance(e, ToolIntent) for e in run.events()) == intents  # refused before the intent
    assert run.host.calls == [] and run.vercel.calls == []  # nothing asked of GitHub or Vercel

    assert run.step()  # the next repair is good
    assert any(message in prompt for name, prompt in run.model.prompts if name == "ArgsFix")
    [done] = [e for e in run.events() if isinstance(e, ToolResult) and e.tool != "request_approval"]
    assert done.args == good
    # A deployment refused after its intent looks for its effect first, then acts. A pull request's
    # patch is refused before it is asked for (its change is built to be scanned: decision 0138),
    # so before any intent: there is nothing to look for.
    assert run.host.calls + run.vercel.calls == (
        ["open"] if tool == "open_pull_request" else ["find", "create"]
    )


@pytest.mark.parametrize(
    ("tool", "bad", "message"),
    [CASES["dot-slash-path"], CASES["repeated-path"], CASES["spaced-ref"]],
    ids=["dot-slash-path", "repeated-path", "spaced-ref"],
)
def test_an_expired_intent_with_bad_arguments_is_repaired_not_retried_for_ever(
    tool: str, bad: dict[str, Any], message: str
) -> None:
    """A run left stuck by an earlier release: its intent (not in the run document, as intents never
    are) holds arguments the tool could never use (it failed before any call); its lease ran out.
    The next attempt takes it over, refuses its arguments after the intent, and the one after asks
    for a repair."""
    good = GOOD_PULL if tool == "open_pull_request" else GOOD_DEPLOY
    run = Deploy([(tool, good)], fixes=[good])
    code_step = run.ready(1)
    state, now = run.state(), datetime.now(UTC)
    stuck = ToolIntent(
        seq=state.last_seq + 1,
        at=now - timedelta(minutes=10),
        step=code_step,
        tool=tool,
        args=bad,
        key="r1:1:1",
        attempt=1,
        lease_until=now - timedelta(minutes=5),
    )
    assert run.deps.store.add_event("t1", "r1", stuck)

    assert not run.step()
    last = run.events()[-1]
    assert isinstance(last, ErrorRecorded) and last.error == ErrorKind.MODEL_FIXABLE
    assert message in last.message
    assert run.host.calls == [] and run.vercel.calls == []

    assert run.step()
    [done] = [e for e in run.events() if isinstance(e, ToolResult) and e.tool != "request_approval"]
    assert done.args == good and not done.reconciled


def test_a_resolved_reference_that_makes_a_bad_ref_is_refused_before_the_intent() -> None:
    """The ref comes from an earlier step's output: checked once resolved, before the intent."""
    draft = ("draft_text", {"instructions": "Name the branch"})
    run = Deploy([draft, ("deploy_vercel", deploy(ref="${steps.1.text}"))], fixes=[GOOD_DEPLOY])
    run.model.script["Draft"] = [{"title": "", "text": "launch note"}]
    step_deps = run.deps._replace(code=None, notion_for=make_deps().notion_for)
    assert run_step_as_owner(
        StepTask(tenant_id="t1", run_id="r1", step=1), step_deps
    ).acted  # draft, on execute-step
    assert not run.step(2)
    last = run.events()[-1]
    assert isinstance(last, ErrorRecorded) and "ref 'launch note' may only contain" in last.message
    assert not any(isinstance(e, ToolIntent) for e in run.events())
    assert run.step(2) and run.vercel.calls == ["create"]


def test_a_base_that_is_the_changes_own_branch_is_refused_by_the_tool_before_github() -> None:
    """Only the tool knows the branch (from the key): its refusal is model-fixable, before the owner
    is asked (the change is built to be scanned, decision 0138) and before any call, so the next
    attempt repairs the arguments."""
    own = pull(base=branch_for(idempotency_key("t1", "r1", 1)))  # step 1: asked at its own step (M2)
    run = Deploy([("open_pull_request", own)], fixes=[GOOD_PULL])
    assert not run.step()
    last = run.events()[-1]
    assert isinstance(last, ErrorRecorded) and last.error == ErrorKind.MODEL_FIXABLE
    assert "is the base branch; a change needs its own branch" in last.message
    assert run.host.calls == []
    assert run.step()
    assert run.host.calls == ["open"] and run.state().status == RunStatus.RUNNING


# --- inside the tools: what the argument models did not check -----------------------------------


def context(run: Deploy) -> ToolContext:
    return ToolContext(
        tenant_id="t1",
        run_id="r1",
        step=1,
        key="r1:1:1",
        notion=None,
        model=run.model,
        queue=run.deps.queue,
        prompt=lambda text: text,
        code=run.deps.code,
    )


# Those the owner's allow-list does not answer first (a repository or project not allowed is refused
# by it, model-fixable too): the domain model is the tool's last check.
BEHIND_THE_ALLOW_LIST = {
    name: (tool, args, message)
    for name, (tool, args, message) in CASES.items()
    if (args["repository"] if tool == "open_pull_request" else args["project"]) in ("acme/site", "site")
}


@pytest.mark.parametrize(
    ("tool", "bad", "message"), list(BEHIND_THE_ALLOW_LIST.values()), ids=list(BEHIND_THE_ALLOW_LIST)
)
def test_the_tools_turn_a_refused_domain_model_into_a_model_fixable_error_before_any_call(
    tool: str, bad: dict[str, Any], message: str
) -> None:
    """Arguments that escaped the argument model's checks (``unchecked``: say an older release's
    intent) are refused by the domain model inside the tool: model-fixable, nothing called."""
    run = Deploy([], fixes=[])
    with pytest.raises(ModelFixableError) as caught:
        if tool == "open_pull_request":
            files = [unchecked(FileArgs(path="a.md", content=""), **f) for f in bad["files"]]
            fields = bad | {"files": files}
            open_pull_request(
                context(run), unchecked(OpenPullRequestArgs.model_validate(GOOD_PULL), **fields)
            )
        else:
            deploy_vercel(context(run), unchecked(DeployArgs.model_validate(GOOD_DEPLOY), **bad))
    assert message in caught.value.reason
    assert "Value error" not in caught.value.reason
    assert run.host.calls == [] and run.vercel.calls == []


def test_send_notification_turns_a_refused_task_into_a_model_fixable_error_before_enqueueing() -> None:
    run = Deploy([], fixes=[])
    assert isinstance(run.deps.queue, FakeQueue)
    queued = list(run.deps.queue.tasks)
    with pytest.raises(ModelFixableError, match="bad arguments for send_notification: subject: "):
        send_notification(context(run), unchecked(SendNotificationArgs(subject="s", text="x"), subject=""))
    assert run.deps.queue.tasks == queued
