"""The engine in one process against the real things: the Firestore emulator, the local Cloud Tasks
emulator (queues held: the test decides what is delivered, when, how often, in which order) through
the production queue adapter, the Notion sandbox over HTTP through the production Notion adapter,
and plan / execute-step / notify on functions-framework's own apps behind loopback servers, each
behind Cloud Run's front (local.cloud_run_front), as the tasks account's tokens reach them. With
``code=True`` the deploy function is served too, against the code sandbox (GitHub and Vercel over
HTTP through the production adapters), the tenant allowed ``acme/site`` and ``site`` with its tokens.

Faults are injected by wrapping the instance's adapters (``Container._built``): nothing in the
production code knows about tests. ``StepCrashes`` and ``crashing_store`` kill the instance once per run
at a planned (step, boundary); each test wraps its own effect adapters for ``effect_result``.
"""

import base64
import json
import random
import re
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import functions_framework
import pytest

from functions._http import CONTAINER
from local.cloud_run_front import CloudRunFront, Service
from local.code_sandbox.testing import Admin as CodeAdmin
from local.code_sandbox.testing import running_code_sandbox
from local.notion_sandbox import SandboxServer
from local.notion_sandbox.testing import Admin
from local.processes import free_port
from local.tasks_emulator import TasksEmulator
from shared import bootstrap
from shared.notify.domain.provenance import key_of_url
from shared.platform.adapters.offline_model import OfflineModel
from shared.platform.config import PlatformSecret, Settings
from shared.platform.domain.model_calls import ModelReply
from shared.platform.domain.model_replies import PlanOut, extract_context
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus, ToolIntent, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState
from shared.runs.services.deps import Deps
from shared.workspace.domain.integrations import Integration, code_token_secret
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.conftest import PROJECT
from tests.integration.notion_stack import serve
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.workspace_fakes import FakeTenantStore

SOURCE = str(Path(__file__).resolve().parents[2] / "functions" / "main.py")
REGION = "europe-west1"
TENANT = "rel-tenant"
TOKEN = "ntn_sandbox_demo"
GITHUB_TOKEN, VERCEL_TOKEN = "ghp_rel_tenant", "vercel_rel_tenant"
REPOSITORY, VERCEL_PROJECT = "acme/site", "site"  # the code sandbox's seed
MARKER = re.compile(r"Notion Agent · ref (\S+)")  # the visible marker before decision 0124
BOUNDARIES = ("before_intent", "intent_effect", "effect_result", "result_enqueue")
DUPLICATES_ATTEMPTS = 100  # the emulator's default max_attempts (see engine_stack)
TASKS_ACCOUNT = "na-tasks-invoker@notion-agent-local.iam.gserviceaccount.com"
INVOKER = frozenset({TASKS_ACCOUNT})  # run.invoker on every task function behind the front


@dataclass
class Stack:
    container: bootstrap.Container
    tasks: TasksEmulator
    sandbox: SandboxServer
    admin: Admin
    outbox: Path
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    code: CodeAdmin | None = None  # the code sandbox's admin client (engine_stack(code=True))

    @property
    def deps(self) -> Deps:
        return self.container.engine()

    def wrap(self, port: str, wrapper: Callable[[Any], Any]) -> None:
        current = self.container.port(port)
        self.container.instance.built[port] = wrapper(current)

    def new_idea(self, title: str) -> str:
        answer = self.admin.post("/workspaces/demo/ideas", {"title": title, "content": ["An idea."]})
        return str(answer["response"]["id"])

    def start(self, run_id: str, page_id: str, goal: str = "") -> None:
        task = PlanTask(
            tenant_id=TENANT, run_id=run_id, goal=goal, trigger=Trigger(kind="webhook", page_id=page_id)
        )
        self.deps.queue.enqueue(Queue.PLAN, task, f"plan:{TENANT}:{run_id}")

    def pending(self) -> list[dict[str, Any]]:
        return self.tasks.pending_tasks()

    def deliver_all(
        self, *, shuffle: bool = True, twice: bool = False, drop: float = 0.0, workers: int = 8
    ) -> int:
        """One round: every pending task delivered (twice: a kept duplicate first, concurrently)."""
        tasks = [t for t in self.pending() if twice or _due(t)]
        if shuffle:
            self.rng.shuffle(tasks)

        def one(task: dict[str, Any]) -> None:
            if drop and task["queue_id"] == "execute-step" and self.rng.random() < drop:
                self.tasks.drop(task["name"])
                return
            if twice:
                # Two deliveries at the same moment, both kept so neither can find the task already
                # gone; then the queue's own rule: a 2xx from either acknowledges (deletes) it.
                with ThreadPoolExecutor(2) as pair:
                    outcomes = list(pair.map(lambda _: self.tasks.deliver(task["name"], True), range(2)))
                if any(o.status is not None and 200 <= o.status < 300 for o in outcomes):
                    self.tasks.drop(task["name"])
            else:
                self.tasks.deliver(task["name"])

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, tasks))
        return len(tasks)

    def settle(self, rounds: int = 200, **options: Any) -> None:
        """Deliver until nothing is pending (approving approvals from the outbox as they arrive)."""
        for _ in range(rounds):
            self.approve_from_outbox()
            delivered = self.deliver_all(**options)
            if not self.approve_from_outbox() and not self.pending():
                return
            if not delivered or all(t["dispatch_count"] > 0 for t in self.pending()):
                time.sleep(0.2)  # only retries left: let leases and backoffs pass

    def approve_from_outbox(self) -> int:
        """Use every unused approve link in the outbox (through the api function's service); the
        count of links used, or refused for now and kept for the next round.

        A 409 for a link whose run still waits for its request ("the run changed meanwhile") says
        to try again, as a person would; only a link the run no longer waits for is spent."""
        from shared.engine.services.humans import link_claims, respond_by_link
        from shared.platform.errors import Conflict, TransientError

        acted = 0
        for path in sorted(self.outbox.glob("*.json")):
            note = json.loads(path.read_text())
            link = note.get("links", {}).get("approve")
            if link and path.suffix == ".json" and not path.with_suffix(".used").exists():
                token = link.partition("#")[2]
                acted += 1
                try:
                    respond_by_link(self.deps, token)
                except TransientError:
                    continue  # a 503: the person tries the link again
                except Conflict:
                    claims = link_claims(self.deps, token)
                    state = self.state(str(claims["run_id"]))
                    waiting = state.waiting if state is not None else None
                    if waiting is not None and waiting.request_id == claims["request_id"]:
                        continue  # nothing was recorded: the link still works, next round
                path.with_suffix(".used").touch()
        return acted

    def sweep(self) -> None:
        """One sweep, as Cloud Scheduler calls it: tried again after a transient error (a 503)."""
        from shared.engine.services.sweeper import sweep
        from shared.platform.errors import TransientError

        for _ in range(10):
            try:
                sweep(self.deps)
                return
            except TransientError:
                continue
        raise AssertionError("the sweep failed ten times in a row")

    def describe(self, runs: list[str]) -> str:
        """Each run's status and its log's last events: what a failed tally prints."""
        lines = []
        for run in runs:
            state = self.state(run)
            log = self.deps.store.list_events(TENANT, run)
            tail = ", ".join(f"{e.seq}:{type(e).__name__}" for e in log[-6:])
            status = state.status.value if state else "lost"
            lines.append(f"{run}: {status} cursor={state.cursor if state else '-'} log=[{tail}]")
        pending = [f"{t['queue_id']}:{t['dispatch_count']}" for t in self.pending()]
        return "\n".join([*lines, f"pending tasks: {pending}"])

    def state(self, run_id: str) -> RunState | None:
        run = self.deps.store.get_run(TENANT, run_id)
        return run.state if run else None

    def notion_state(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.admin.get("/workspaces/demo/state")
        return answer

    def requests(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self.admin.get("/requests")
        return answer

    def pulls(self) -> list[dict[str, Any]]:
        """Every pull request of REPOSITORY in the code sandbox (any state)."""
        assert self.code is not None, "engine_stack(code=True)"
        answer: list[dict[str, Any]] = self.code.repo(REPOSITORY)["pulls"]
        return answer

    def deployments(self) -> list[dict[str, Any]]:
        """Every Vercel deployment in the code sandbox, with its meta."""
        assert self.code is not None, "engine_stack(code=True)"
        return self.code.deployments()


def notion_storm(stack: "Stack", monkeypatch: pytest.MonkeyPatch, rng: random.Random) -> list[int]:
    """From now on 30% of Notion's answers are a 429 or a 5xx (with or without Retry-After), drawn
    from ``rng``; the statuses injected, as they are."""
    from local.notion_sandbox.errors import injected

    injected_statuses: list[int] = []
    real_check = stack.sandbox.sandbox.faults.check

    def storm(token: str) -> None:
        if rng.random() < 0.3:
            status = rng.choice([429, 500, 502, 503])
            injected_statuses.append(status)
            raise injected(status, rng.choice([None, 0, 1]))
        real_check(token)

    monkeypatch.setattr(stack.sandbox.sandbox.faults, "check", storm)
    return injected_statuses


def _due(task: dict[str, Any]) -> bool:
    """Whether the harness may deliver ``task`` now: a plan task's retry waits for its backoff (the
    production policy, shortened: :func:`_create_queues`), so the plan queue's attempts span time as
    they do in production; every other task is delivered when the harness chooses. Deliveries in
    pairs (``twice``) skip this: a kept delivery is not rescheduled, so its backoff never passes."""
    if task["queue_id"] != Queue.PLAN.value or task["dispatch_count"] == 0:
        return True
    return datetime.fromisoformat(task["schedule_time"]) <= datetime.now(UTC)


def outcome_counts(states: Mapping[str, RunState | None], allowed: set[RunStatus]) -> dict[str, int]:
    """The RESULT line's counts of these runs but ``duplicated_effects`` (read from the effects):
    ``lost`` (no run at all), ``failed`` (ended failed, whatever it says why) and ``stuck`` (neither
    failed nor in a status of ``allowed``, the ones the scenario lets a run end in)."""
    return {
        "runs": len(states),
        "lost": sum(s is None for s in states.values()),
        "stuck": sum(s is not None and s.status not in allowed | {RunStatus.FAILED} for s in states.values()),
        "failed": sum(s is not None and s.status == RunStatus.FAILED for s in states.values()),
    }


def sound(runs: int, failed: int = 0) -> dict[str, int]:
    """What a scenario of ``runs`` runs asserts its counts are: nothing lost, stuck or done twice, and
    ``failed`` failed runs (0 unless its faults outlast the queues' retry budgets on purpose)."""
    return {"runs": runs, "lost": 0, "duplicated_effects": 0, "stuck": 0, "failed": failed}


def body_of(task: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(base64.b64decode(task["body"]))
    return value


class NotionView(Protocol):
    """Where the effects are read: the Notion sandbox's state and its request log."""

    def notion_state(self) -> dict[str, Any]: ...

    def requests(self) -> list[dict[str, Any]]: ...


def signature_keys(line: dict[str, Any]) -> list[str]:
    """The write keys a sandbox state line (a block's or a comment's) carries: in its signature's
    link (decision 0124) or in the visible marker before it."""
    linked = [k for url in line.get("links", []) if (k := key_of_url(url)) is not None]
    return linked + MARKER.findall(line["text"])


def duplicated_effects(stack: NotionView, pages: dict[str, str]) -> int:
    """Markers seen more than once, plus property updates of a run's page beyond one."""
    state = stack.notion_state()
    lines = [line for p in state["pages"] for line in p["content"]] + state["comments"]
    keys = Counter(key for line in lines for key in signature_keys(line))
    patches = Counter(
        r["path"].rsplit("/", 1)[1]
        for r in stack.requests()
        if r["method"] == "PATCH" and r["status"] == 200 and "/pages/" in r["path"]
    )
    return sum(n - 1 for n in keys.values()) + sum(max(0, patches[p] - 1) for p in pages.values())


GOAL_NAMES = re.compile(r"([A-Za-z_]+)\|([^|\s]+)\|([^|\s]+)")


def goal_named(prompt: str, reply: ModelReply[Any]) -> tuple[str, str, str, str]:
    """A plan call's goal as its prompt gives it, and the kind, run and page its first line of that
    form names (``<kind>|<run>|<page>``): for a suite's offline model to plan what the goal says. A
    child's goal puts its agent's instructions before it ("… This run: <kind>|<run>|<page>")."""
    goal = str(extract_context(prompt).get("goal") or reply.value.goal)
    named = GOAL_NAMES.search(goal)
    assert named is not None, f"a goal naming no <kind>|<run>|<page>: {goal!r}"
    kind, run, page = named.groups()
    return goal, kind, run, page


def plan_reply(goal: str, steps: list[tuple[str, dict[str, Any]]], reply: ModelReply[Any]) -> ModelReply[Any]:
    """The plan of ``steps`` (tool, arguments) for ``goal``, at the cost ``reply`` had."""
    calls = [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]
    return ModelReply(PlanOut.model_validate({"goal": goal, "steps": calls}), reply.usage)


class ScriptedPlanModel(OfflineModel, ABC):
    """The offline model, except that a goal naming ``<kind>|<run>|<page>`` (:func:`goal_named`) is
    planned as :meth:`steps` says (each suite's runs name in their goal what they are to do)."""

    @abstractmethod
    def steps(self, kind: str, run: str, page: str, goal: str) -> list[tuple[str, dict[str, Any]]]:
        """The plan's steps, as (tool, arguments), for the whole ``goal`` that named the three."""

    def generate(self, tier: str, prompt: str, schema: Any) -> ModelReply[Any]:
        if schema is not PlanOut:
            return super().generate(tier, prompt, schema)
        # Not the offline model's own plan: it would not understand the suite's goals.
        blank = PlanOut(goal="", steps=[])
        asked = ModelReply(blank, self.usage(tier, prompt, blank))
        goal, kind, run, page = goal_named(prompt, asked)
        return plan_reply(goal, self.steps(kind, run, page, goal), asked)


class Crash(Exception):
    """The instance dies here (an unexpected error: HTTP 500, the queue retries)."""


class KilledLedger:
    """The tenant's ledger of a way in (Slack's events, mail's pushes) whose instance dies once per key
    of ``after_record`` right after the record is written, and once per key of ``before_mark`` after
    the work was queued and the thread answered, before the mark: a 500, and the sender tries again."""

    def __init__(self, inner: Any, after_record: set[str], before_mark: set[str]) -> None:
        self.inner, self.after_record, self.before_mark = inner, set(after_record), set(before_mark)
        self.killed = 0

    def record(self, tenant_id: str, key: str, seen: Any) -> Any:
        found = self.inner.record(tenant_id, key, seen)
        if key in self.after_record:
            self.after_record.discard(key)
            self.killed += 1
            raise Crash(f"killed after recording {key}")
        return found

    def mark_enqueued(self, tenant_id: str, key: str) -> None:
        if key in self.before_mark:
            self.before_mark.discard(key)
            self.killed += 1
            raise Crash(f"killed before marking {key}")
        self.inner.mark_enqueued(tenant_id, key)


class StepCrashes:
    """Crash once per run, at its planned (step, boundary); ``done`` holds the runs that crashed."""

    def __init__(self, plan: dict[str, tuple[int, str]]) -> None:
        self.plan, self.done, self.lock = plan, set[str](), threading.Lock()

    def hit(self, run: str, step: int, boundary: str) -> None:
        with self.lock:
            if self.plan.get(run) == (step, boundary) and run not in self.done:
                self.done.add(run)
                raise Crash(f"{run} at {boundary} of step {step}")


def crashing_store(inner: Any, crashes: StepCrashes) -> Any:
    """The run store, crashing around an intent's write and after a result's append."""

    class Store:
        def __getattr__(self, name: str) -> Any:
            return getattr(inner, name)

        def add_event(self, tenant: str, run: str, event: Any) -> bool:
            step = event.step if isinstance(event, ToolIntent) else 0
            crashes.hit(run, step, "before_intent")
            ok = inner.add_event(tenant, run, event)
            crashes.hit(run, step, "intent_effect")
            return bool(ok)

        def append(self, tenant: str, run: str, state: Any, events: list[Any]) -> Any:
            new = inner.append(tenant, run, state, events)
            for event in events:
                if isinstance(event, ToolResult):
                    crashes.hit(run, event.step, "result_enqueue")
            return new

    return Store()


@contextmanager
def engine_stack(
    tmp_path: Path,
    monkeypatch: Any,
    model: Any = None,
    code: bool = False,
    plan_attempts: int = 12,
    **settings: Any,
) -> Iterator[Stack]:
    """``plan_attempts``: the plan queue's max_attempts (production's 12 by default), after which
    the queue deletes a task that never succeeded, as Cloud Tasks does. Scenarios that deliver every
    task twice (``settle(twice=True)``) pass :data:`DUPLICATES_ATTEMPTS`: the emulator counts each
    kept delivery as an attempt without its backoff, so a pair of deliveries per round would spend
    production's 12 in a few rounds; they test duplicates, not the retry policy."""
    with ExitStack() as stack:
        tasks = stack.enter_context(TasksEmulator(admin_port=None, min_dispatch_deadline_s=1.0))
        for queue in Queue:
            tasks.hold(queue.value)
        sandbox = stack.enter_context(SandboxServer())
        targets = ("plan", "execute_step", "notify", *(("deploy",) if code else ()))
        # Served before their container exists (its settings name their URLs): it is passed in below.
        apps = {t: functions_framework.create_app(t, SOURCE) for t in targets}  # type: ignore[no-untyped-call]  # functions-framework: unannotated
        # Each behind Cloud Run's front: the queue's tokens checked as IAM does and forwarded as
        # Cloud Run forwards them, so every scenario runs the functions' production check (0046).
        fronts = [Service(free_port(), stack.enter_context(serve(a)), INVOKER) for a in apps.values()]
        stack.enter_context(CloudRunFront(fronts))
        urls = {t: front.url for t, front in zip(apps, fronts, strict=True)}
        code_admin: CodeAdmin | None = None
        if code:
            code_sandbox = stack.enter_context(running_code_sandbox())
            code_admin = code_sandbox.admin
            code_admin.grant_github(GITHUB_TOKEN, [REPOSITORY])
            code_admin.grant_vercel(VERCEL_TOKEN, [VERCEL_PROJECT])
            settings = {
                "deploy_url": urls["deploy"],
                "github_api_base_url": code_sandbox.github_url,
                "vercel_api_base_url": code_sandbox.vercel_url,
            } | settings
        values = {
            "gcp_project": PROJECT,
            "region": REGION,
            "tasks_emulator_host": tasks.grpc_address,
            "tasks_service_account": TASKS_ACCOUNT,
            "notion_api_base_url": sandbox.url,
            "notion_max_inline_wait_s": 0.0,
            # One workspace carries every run here: paced through the adapter's pacer, ten times
            # faster than Notion's limit so the harness stays quick (tests/unit/platform/test_pacing.py and
            # the adapter's integration tests hold the pace itself).
            "notion_rate_per_s": 30.0,
            "notion_burst": 10,
            "plan_url": urls["plan"],
            "execute_step_url": urls["execute_step"],
            "notify_url": urls["notify"],
            "outbox_dir": str(tmp_path / "outbox"),
            "step_lease_s": 1.0,
            "spend_cache_ttl_s": 5.0,
            "plan_max_attempts": plan_attempts,
        } | settings
        container = bootstrap.Container(Settings(**values))
        for served in apps.values():
            served.config[CONTAINER] = container
        _create_queues(container, plan_attempts)
        tenants = FakeTenantStore()
        now = datetime.now(UTC)
        allowed = (
            TenantSettings(github_repositories=[REPOSITORY], vercel_projects=[VERCEL_PROJECT])
            if code
            else TenantSettings()
        )
        tenants.save(
            Tenant(
                tenant_id=TENANT,
                workspace_id="ws",
                token_secret="tok",
                created_at=now,
                updated_at=now,
                settings=allowed,
            )
        )
        secrets = FakeSecrets(
            {"tok": json.dumps({"access_token": TOKEN}), PlatformSecret.SESSION_SIGNING_KEY: "k" * 32}
        )
        if code:
            secrets.put(code_token_secret(TENANT, Integration.GITHUB), GITHUB_TOKEN)
            secrets.put(code_token_secret(TENANT, Integration.VERCEL), VERCEL_TOKEN)
        container.instance.built |= {"tenants": tenants, "secrets": secrets}
        if model is not None:
            container.instance.built["model"] = model
        admin = Admin(sandbox.url)
        yield Stack(container, tasks, sandbox, admin, tmp_path / "outbox", code=code_admin)


def _create_queues(container: bootstrap.Container, plan_attempts: int) -> None:
    """Every queue. plan's retries follow production's policy (terraform/tasks.tf) a hundred times
    faster: backoff from 0.1 s doubling 4 times up to 6 s, ``plan_attempts`` attempts (12: ~36 s
    for production's ~59 min), then the queue deletes the task. The others keep the emulator's
    default of 100 attempts, delivered when the harness chooses."""
    from google.cloud import tasks_v2
    from google.protobuf import duration_pb2

    queue_adapter: Any = container.platform.queue  # the production Cloud Tasks adapter
    client = queue_adapter._client
    parent = f"projects/{PROJECT}/locations/{REGION}"
    plan_retry = tasks_v2.RetryConfig(
        max_attempts=plan_attempts,
        min_backoff=duration_pb2.Duration(nanos=100_000_000),
        max_backoff=duration_pb2.Duration(seconds=6),
        max_doublings=4,
    )
    for queue in Queue:
        retry = plan_retry if queue == Queue.PLAN else None
        name = f"{parent}/queues/{queue.value}"
        client.create_queue(parent=parent, queue=tasks_v2.Queue(name=name, retry_config=retry))
