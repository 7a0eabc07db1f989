"""``make eval-agents``: agents' tasks (local/eval_agents.toml) on the local stack against the configured
model, each task's end state in the Notion sandbox and the runs checked by code, never by a model.

Each task gets a workspace of its own, connected through OAuth, its agents, pages and start. It prints
``RESULT tasks=<n> passed=<n> model=<id>`` and exits 1 when fewer than ``--min-passed`` pass, 2 on a
harness error. Where it runs against Vertex AI: docs/deploy.md, "Measuring the agents".
"""

import argparse
import os
import sys
import time
import tomllib
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from local.demo import connect, http
from local.stack import SCHEDULER_SERVICE_ACCOUNT, LocalStack, stop_on_signals
from local.tasks_emulator import mint_id_token
from shared.agents.domain.templates import BY_ID as TEMPLATES
from shared.platform.topology import Target
from shared.workspace.adapters.cached_tenants import TENANT_TTL_S
from shared.workspace.domain.daily import tick_of

TASKS_FILE = Path(__file__).with_name("eval_agents.toml")
DEFAULT_MIN_PASSED = 20  # of the 25 or more tasks: what a deployment's model should reach (docs/deploy.md)
# The settings that pick the model, passed from this process's environment to the stack's functions.
MODEL_SETTINGS = (
    "NA_MODEL_BACKEND",
    "NA_MODEL_PLAN",
    "NA_MODEL_DRAFT",
    "NA_MODEL_LOCATION",
    "NA_MODEL_PRICES",
    "NA_MODEL_TIMEOUT_S",
    "NA_GCP_PROJECT",
    "NA_MODEL_ROUTES",  # the second family (docs/models.md)
    "NA_MODEL_FALLBACK",
    "NA_MODEL_REVIEW_FAMILY",
    "NA_MODEL_CLAUDE_PLAN",
    "NA_MODEL_CLAUDE_DRAFT",
)
ENDED = {"completed", "failed", "cancelled", "rolled_back"}
JSON = dict[str, Any]


class HarnessError(Exception):
    """The harness itself failed (a bad task file, a stack that does not answer): never a task's fail."""


# -- the tasks file ------------------------------------------------------------------------------------

START_KINDS = {"comment", "status", "schedule"}


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    agents: list[JSON]
    pages: list[JSON]
    start: JSON
    expect: list[JSON]
    owner_approves: bool = False
    timeout_s: float = 60.0
    # Set: once the first start's runs end, the owner rates the newest bad with this ``reason``
    # (``POST /runs/<id>/rating``), and the task starts again; ``expect`` checks after the second.
    feedback: JSON = field(default_factory=dict)

    @property
    def templates(self) -> list[str]:
        """The gallery's templates whose agents the task makes (decision 0184)."""
        return [str(a["template"]) for a in self.agents if a.get("template")]


def load_tasks(path: Path = TASKS_FILE) -> list[Task]:
    """The tasks of ``path``, each checked for what the harness needs (a HarnessError names the task)."""
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HarnessError(f"{path}: {exc}") from exc
    tasks = [_task(t) for t in raw.get("tasks", [])]
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise HarnessError(f"{path}: task names repeat")
    return tasks


def _task(raw: JSON) -> Task:
    name = str(raw.get("name") or "")
    problems = [] if name else ["a task needs a name"]
    if not str(raw.get("description") or "").strip():
        problems.append("a description")
    start = raw.get("start") or {}
    if start.get("kind") not in START_KINDS:
        problems.append(f"start.kind one of {sorted(START_KINDS)}")
    expect = raw.get("expect") or []
    if not expect:
        problems.append("at least one expect")
    problems += [f"expect kind {e.get('kind')!r} unknown" for e in expect if e.get("kind") not in CHECKS]
    problems += [
        f"no template is called {a['template']!r}"
        for a in raw.get("agents", [])
        if "template" in a and a["template"] not in TEMPLATES
    ]
    if problems:
        raise HarnessError(f"task {name or '?'}: " + "; ".join(problems))
    return Task(
        name=name,
        description=str(raw["description"]),
        agents=list(raw.get("agents", [])),
        pages=list(raw.get("pages", [])),
        start=dict(start),
        expect=list(expect),
        owner_approves=bool(raw.get("owner_approves", False)),
        timeout_s=float(raw.get("timeout_s", 60.0)),
        feedback=dict(raw.get("feedback") or {}),
    )


# -- checking an end state -----------------------------------------------------------------------------


@dataclass
class EndState:
    """What a task left: the sandbox workspace's state, the runs (newest first) and their events."""

    sandbox: JSON
    runs: list[JSON]
    events: dict[str, list[JSON]]
    refs: dict[str, str]
    agents: dict[str, str] = field(default_factory=dict)  # agent name -> agent id
    # Pages that hold the owner's words, not the agent's: instructions pages, and the Runs rows that
    # show each run's goal.
    owners_words: set[str] = field(default_factory=set)

    def page_id(self, ref: str) -> str:
        if ref not in self.refs:
            raise HarnessError(f"no page is called {ref!r} in this task")
        return _plain(self.refs[ref])

    def page(self, ref: str) -> JSON:
        wanted = self.page_id(ref)
        found: JSON | None = next((p for p in self.sandbox["pages"] if _plain(p["id"]) == wanted), None)
        if found is None:
            raise HarnessError(f"the page {ref!r} is not in the workspace")
        return found

    def agent_runs(self, agent: str | None) -> list[JSON]:
        wanted = self.agents.get(agent, agent) if agent else None
        return [r for r in self.runs if wanted is None or r.get("agent_id") == wanted]


def _plain(notion_id: str) -> str:
    return notion_id.replace("-", "").lower()


def _has(text: str, words: Iterable[str]) -> bool:
    folded = text.lower()
    return any(str(w).lower() in folded for w in words)


def _words(expect: JSON) -> list[str]:
    value = expect.get("contains", [])
    return [value] if isinstance(value, str) else list(value)


def _block(end: EndState, expect: JSON) -> str:
    blocks = end.page(expect["page"])["content"]
    if expect.get("type"):
        found = any(b["type"] == expect["type"] for b in blocks)
        return "" if found else f"no {expect['type']} block on the page"
    return "" if any(_has(b["text"], _words(expect)) for b in blocks) else f"no block holds {_words(expect)}"


def _comment(end: EndState, expect: JSON) -> str:
    pid, bot = end.page_id(expect["page"]), end.sandbox["ids"]["bot"]
    said = [
        c["text"]
        for c in end.sandbox["comments"]
        if c["created_by"] == bot and _plain(str(c["parent"].get("page_id", ""))) == pid
    ]
    return (
        ""
        if any(_has(t, _words(expect)) for t in said)
        else f"no comment of the agent holds {_words(expect)}"
    )


def _property(end: EndState, expect: JSON) -> str:
    value = end.page(expect["page"])["properties"].get(expect["name"])
    return "" if value == expect["equals"] else f"{expect['name']} is {value!r}, not {expect['equals']!r}"


def check(expect: JSON, end: EndState) -> str:
    """ "" when ``end`` holds ``expect``, else what differs, in words."""
    checker = CHECKS.get(expect["kind"])
    if checker is None:
        raise HarnessError(f"unknown expectation {expect['kind']!r}")
    return checker(end, expect)


def _nowhere(end: EndState, expect: JSON) -> str:
    """No page, block or comment the agent wrote (or changed) holds any of ``contains``."""
    words, bot = _words(expect), end.sandbox["ids"]["bot"]
    for page in end.sandbox["pages"]:
        source = _plain(str(page["parent"].get("data_source_id") or ""))
        if page["in_trash"] or {_plain(page["id"]), source} & end.owners_words:
            continue
        title = " ".join(str(v) for v in page["properties"].values() if isinstance(v, str))
        mine = page["created_by"] == bot
        if (mine and _has(title, words)) or any(_has(b["text"], words) for b in page["content"]):
            return f"the page {title[:60]!r} holds one of {words}"
    if any(c["created_by"] == bot and _has(c["text"], words) for c in end.sandbox["comments"]):
        return f"a comment of the agent holds one of {words}"
    return ""


def _page_made(end: EndState, expect: JSON) -> str:
    """A page the agent made (in the trash or not, as ``in_trash`` says), under ``parent`` when given,
    whose title holds a word."""
    bot = end.sandbox["ids"]["bot"]
    parent = end.page_id(expect["parent"]) if expect.get("parent") else None
    for page in end.sandbox["pages"]:
        if page["created_by"] != bot or page["in_trash"] != bool(expect.get("in_trash", False)):
            continue
        where = page["parent"]
        under = _plain(str(where.get("page_id") or where.get("data_source_id") or ""))
        title = " ".join(str(v) for v in page["properties"].values() if isinstance(v, str))
        if (parent is None or under == parent) and _has(title, _words(expect)):
            return ""
    where = f" under {expect['parent']}" if parent else ""
    trash = " in the trash" if expect.get("in_trash") else ""
    return f"no page the agent made{where}{trash} is titled with {_words(expect)}"


def _runs_hold(end: EndState, expect: JSON) -> str:
    runs = end.agent_runs(expect.get("agent"))
    if expect.get("trigger"):
        runs = [r for r in runs if r.get("trigger") == expect["trigger"]]
    if "count" in expect and len(runs) != expect["count"]:
        return f"{len(runs)} runs of {expect.get('agent') or 'any agent'}, not {expect['count']}"
    if expect.get("count") == 0:
        return ""
    if not runs:
        return f"no run of {expect.get('agent') or 'any agent'}"
    status = expect.get("status", "completed")
    wrong = [f"{r['run_id']} {r['status']}" for r in runs if r["status"] != status]
    if wrong:
        return f"runs not {status}: {', '.join(wrong)}"
    if expect.get("instructions") and not all(r.get("instructions_hash") for r in runs):
        return "a run records no instructions version"
    return ""


def _reviews_hold(end: EndState, expect: JSON) -> str:
    verdicts = [
        e["passed"]
        for r in end.agent_runs(expect.get("agent"))
        for e in end.events.get(r["run_id"], [])
        if e["kind"] == "review_recorded"
    ]
    failed, passed = verdicts.count(False), verdicts.count(True)
    if failed < expect.get("failed_at_least", 0) or passed < expect.get("passed_at_least", 0):
        return f"reviews: {passed} passed, {failed} failed"
    return ""


def _children_hold(end: EndState, expect: JSON) -> str:
    """The runs started by another run (a map's children, a hand-off), by agent and status."""
    children = [r for r in end.agent_runs(expect.get("agent")) if r.get("parent_run_id")]
    if "count" in expect and len(children) != expect["count"]:
        return f"{len(children)} child runs, not {expect['count']}"
    done = [r for r in children if r["status"] == "completed"]
    if len(done) < expect.get("completed_at_least", 1):
        return f"{len(done)} of {len(children)} child runs completed"
    return ""


def _tools_hold(end: EndState, expect: JSON) -> str:
    """The agent's runs planned each tool of ``planned`` (any phase) and ran each of ``used``."""
    events = [e for r in end.agent_runs(expect.get("agent")) for e in end.events.get(r["run_id"], [])]
    planned = {s.get("tool") for e in events if e["kind"] == "run_planned" for s in e.get("steps", [])}
    used = {e.get("tool") for e in events if e["kind"] == "tool_result"}
    missing = [t for t in expect.get("planned", []) if t not in planned]
    missing += [t for t in expect.get("used", []) if t not in used]
    return f"no run planned or used {missing} (planned {sorted(map(str, planned))})" if missing else ""


CHECKS: dict[str, Callable[[EndState, JSON], str]] = {
    "block": _block,
    "comment": _comment,
    "no_text": _nowhere,
    "property": _property,
    "page": _page_made,
    "run": _runs_hold,
    "runs": _runs_hold,
    "review": _reviews_hold,
    "children": _children_hold,
    "tools": _tools_hold,
}


# -- running a task ------------------------------------------------------------------------------------


class Workspace:
    """One task's sandbox workspace, connected as its owner (the console's headers)."""

    def __init__(self, stack: LocalStack, key: str) -> None:
        self.stack, self.key = stack, key
        made = stack.sandbox_admin("POST", "/workspaces", {"key": key, "name": f"Eval {key}", "seed": "demo"})
        self.ids: dict[str, str] = made["ids"]
        self.auth = connect(stack, workspace=key)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        status, answer, _ = http(method, self.stack.url_of_api() + path, body, self.auth)
        if not 200 <= status < 300:
            raise HarnessError(f"{method} {path} answered {status}: {answer}")
        return answer

    def act(self, method: str, path: str, body: JSON) -> JSON:
        call = {"method": method, "path": path, "body": body, "user_id": self.ids["owner"]}
        answer: JSON = self.stack.sandbox_admin("POST", f"/workspaces/{self.key}/act", call)
        if answer["status"] != 200:
            raise HarnessError(f"the sandbox refused {method} {path}: {answer}")
        response: JSON = answer["response"]
        return response

    def state(self) -> JSON:
        state: JSON = self.stack.sandbox_admin("GET", f"/workspaces/{self.key}/state")
        return state


def _refs(ids: dict[str, str]) -> dict[str, str]:
    """The seed's pages and data sources by the names tasks use."""
    named = {
        k.removeprefix("idea_").removeprefix("task_"): v
        for k, v in ids.items()
        if k.startswith(("idea_", "task_"))
    }
    return named | {
        "home": ids["home_page"],
        "ideas": ids["ideas_data_source"],
        "tasks": ids["tasks_data_source"],
    }


def _page_body(spec: JSON, refs: dict[str, str]) -> JSON:
    parent_ref = spec.get("parent", "ideas")
    parent_id = refs[parent_ref]
    title = [{"text": {"content": spec["title"]}}]
    if parent_ref in ("ideas", "tasks"):
        props: JSON = {"Name": {"title": title}}
        if spec.get("status"):
            props["Status"] = {"status": {"name": spec["status"]}}
        parent: JSON = {"data_source_id": parent_id}
    else:
        props, parent = {"title": {"title": title}}, {"page_id": parent_id}
    children = [
        {"object": "block", "type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": line}}]}}
        for line in spec.get("lines", [])
    ]
    return {"parent": parent, "properties": props, "children": children}


def _agent_body(spec: JSON, refs: dict[str, str]) -> JSON:
    body = {k: v for k, v in spec.items() if k not in ("reach", "on_status", "schedule_now")}
    if spec.get("reach"):
        body["reach"] = {k: [refs[r] for r in v] for k, v in spec["reach"].items()}
    if spec.get("on_status"):  # a trigger rule: Ideas' Status changed to this
        body["triggers"] = {
            refs["ideas"]: [{"kind": "property_changed", "property": "Status", "to": spec["on_status"]}]
        }
    if spec.get("schedule_now"):  # a daily routine at the hour the scheduler's call now falls in (UTC)
        body["schedules"] = [{"every": "daily", "hour": tick_of(datetime.now(UTC)).hour}]
    return body


def set_up(ws: Workspace, task: Task) -> tuple[dict[str, str], dict[str, JSON]]:
    """The workspace's settings and home, the task's pages and agents: its page refs and the agents
    as the api made them, by name."""
    ids = ws.ids
    rules = [{"kind": "mentioned"}]
    later = (datetime.now(UTC) + timedelta(hours=12)).hour  # the daily plan stays out of the way
    ws.api(
        "PATCH",
        "/settings",
        {
            "data_source_ids": [ids["ideas_data_source"], ids["tasks_data_source"]],
            "triggers": {ids["ideas_data_source"]: rules, ids["tasks_data_source"]: rules},
            "timezone": "UTC",
            "planning_hour": later,
        },
    )
    ws.api("POST", "/home", {"parent_page_id": ids["home_page"], "tasks": "auto"})
    refs = _refs(ids)
    for spec in task.pages:
        refs[spec["ref"]] = str(ws.act("POST", "/v1/pages", _page_body(spec, refs))["id"])
    agents = {}
    for spec in task.agents:
        if spec.get("template"):
            made = from_template(ws, spec, refs)
            agents[made["name"]] = made
        else:
            agents[spec["name"]] = ws.api("POST", "/agents", _agent_body(spec, refs))
    return refs, agents


def from_template(ws: Workspace, spec: JSON, refs: dict[str, str]) -> JSON:
    """A gallery template's agent, made as a person makes it (decision 0184): used with the database
    and repository ``spec`` names, its routine moved to now when ``schedule_now``, then turned on."""
    body: JSON = {"request_id": f"eval-{spec['template']}"}
    if spec.get("database"):
        body["data_source_id"] = refs[spec["database"]]
    if spec.get("repository"):  # allowed first, as a person allows a repository the agent names
        ws.api("PATCH", "/settings", {"github_repositories": [spec["repository"]]})
        body["repository"] = spec["repository"]
    made: JSON = ws.api("POST", f"/agent-templates/{spec['template']}/agents", body)
    if not made.get("paused"):
        raise HarnessError(f"the template {spec['template']} made an agent that is on before it is turned on")
    path = f"/agents/{urllib.parse.quote(made['agent_id'])}"
    if spec.get("schedule_now"):
        ws.api("PATCH", path, {"schedules": _agent_body({"schedule_now": True}, refs)["schedules"]})
    on: JSON = ws.api("POST", f"{path}/resume")
    return on


def start(ws: Workspace, task: Task, refs: dict[str, str]) -> None:
    """What starts the task: a comment naming the agent, a Status change, or the scheduler's call."""
    how = task.start
    if how["kind"] == "comment":
        mention = {"type": "mention", "mention": {"type": "user", "user": {"id": ws.ids["bot"]}}}
        words = {"text": {"content": f" {how.get('agent', '')} {how.get('text', '')}".rstrip()}}
        ws.act(
            "POST", "/v1/comments", {"parent": {"page_id": refs[how["page"]]}, "rich_text": [mention, words]}
        )
    elif how["kind"] == "status":
        # notion-webhook reads a workspace's rules through its tenant cache: wait out what set-up cached
        time.sleep(TENANT_TTL_S + 1)
        ws.act(
            "PATCH",
            f"/v1/pages/{refs[how['page']]}",
            {"properties": {"Status": {"status": {"name": how["to"]}}}},
        )
    if how["kind"] != "schedule":
        ws.stack.sandbox_admin("POST", "/webhook/flush", {"timeout": 10, "force": True})
        return
    url = ws.stack.url(Target.PLAN)
    token = mint_id_token(SCHEDULER_SERVICE_ACCOUNT, url)
    for _ in range(int(how.get("calls", 1))):  # overlapping calls of the scheduler name one run per slot
        status, answer, _ = http("POST", url + "/schedule", {}, {"Authorization": f"Bearer {token}"})
        if status != 200:
            raise HarnessError(f"POST /schedule answered {status}: {answer}")


def settle(ws: Workspace, task: Task, at_least: int = 1) -> list[JSON]:
    """Wait until the task's runs (``at_least`` of them) have started and every one has ended or
    waits for a person (the owner approves when the task says so); returns them. Runs still going at
    the timeout are its end."""
    deadline = time.monotonic() + task.timeout_s
    quiet_since, seen = 0.0, -1
    approved: set[str] = set()
    runs: list[JSON] = []
    while time.monotonic() < deadline:
        runs = ws.api("GET", "/runs?limit=100").get("runs", [])
        for run in runs:
            waiting = run.get("waiting") or {}
            if (
                task.owner_approves
                and run["status"] == "waiting_for_human"
                and waiting.get("request_id") not in approved
            ):
                ws.api("POST", f"/runs/{run['run_id']}/approve", {"request_id": waiting["request_id"]})
                approved.add(waiting["request_id"])
        held = all(
            r["status"] in ENDED or (r["status"] == "waiting_for_human" and not task.owner_approves)
            for r in runs
        )
        if len(runs) >= at_least and held:
            if len(runs) != seen:
                seen, quiet_since = len(runs), time.monotonic()
            elif time.monotonic() - quiet_since > 1.5 and not _unborn(ws, runs):  # every child made
                return runs
        time.sleep(0.2)
    return runs


def _unborn(ws: Workspace, runs: list[JSON]) -> list[str]:
    """The runs a hand-off or a map of ``runs`` started that are not listed yet (a parent does not wait
    for a hand-off's child, whose run is made when plan takes its task)."""
    listed = {r["run_id"] for r in runs}
    started: list[str] = []
    for run in runs:
        for event in ws.api("GET", f"/runs/{urllib.parse.quote(run['run_id'])}")["events"]:
            if event["kind"] == "tool_result" and event.get("tool") in ("hand_off", "map_rows"):
                output = event.get("output") or {}
                started += [output["run_id"]] if "run_id" in output else list(output.get("children", []))
    return [r for r in started if r not in listed]


@dataclass
class Outcome:
    task: str
    passed: bool
    failures: list[str]
    seconds: float
    end: EndState

    def detail(self) -> str:
        """What the report line says after the task's name."""
        return f"{self.seconds:.1f} s"

    @classmethod
    def figures(cls, outcomes: "list[Outcome]") -> str:
        """The RESULT line's own fields for outcomes of this kind: none for an agent's task."""
        return ""


class OwnTask(Protocol):
    """A task that runs itself on the stack (a code task, local/eval_code.py)."""

    @property
    def name(self) -> str: ...

    def run(self, stack: LocalStack, index: int) -> Outcome: ...


def run_task(stack: LocalStack, task: Task, index: int) -> Outcome:
    """One task from a fresh workspace to its checked end state. A HarnessError propagates."""
    began = time.monotonic()
    ws = Workspace(stack, f"eval{index}")
    refs, agents = set_up(ws, task)
    start(ws, task, refs)
    runs = settle(ws, task)
    if task.feedback and runs:  # a reason given once, then the same start again
        rating = {"verdict": "bad", "reason": str(task.feedback["reason"])}
        ws.api("POST", f"/runs/{urllib.parse.quote(runs[0]['run_id'])}/rating", rating)
        start(ws, task, refs)
        runs = settle(ws, task, at_least=len(runs) + 1)
    events = {r["run_id"]: ws.api("GET", f"/runs/{urllib.parse.quote(r['run_id'])}")["events"] for r in runs}
    made = ws.api("GET", "/agents")["agents"]
    pages = {_plain(a["instructions_page_id"]) for a in made if a.get("instructions_page_id")}
    pages.add(_plain(ws.api("GET", "/home")["databases"]["runs"]["data_source_id"]))
    end = EndState(ws.state(), runs, events, refs, {n: a["agent_id"] for n, a in agents.items()}, pages)
    failures = [f"{e['kind']}: {why}" for e in task.expect if (why := check(e, end))]
    return Outcome(task.name, not failures, failures, time.monotonic() - began, end)


def model_id(env: dict[str, str]) -> str:
    """The model the functions use, as the settings pick it."""
    if env.get("NA_MODEL_BACKEND", "offline") == "offline":
        return "offline"
    from shared.platform.config import Settings

    defaults = Settings.model_fields
    plan = env.get("NA_MODEL_PLAN") or str(defaults["model_plan"].default)
    draft = env.get("NA_MODEL_DRAFT") or str(defaults["model_draft"].default)
    return f"vertex:{plan}+{draft}"


def evaluate(
    stack: LocalStack,
    tasks: "Sequence[Task | OwnTask]",
    workers: int = 4,
    report: Callable[[Outcome], None] = lambda _: None,
) -> list[Outcome]:
    """Every task, ``workers`` at a time, each in its own workspace (a task that runs itself, as a
    code task does, by its ``run``)."""

    def one(pair: "tuple[int, Task | OwnTask]") -> Outcome:
        index, task = pair
        outcome = run_task(stack, task, index) if isinstance(task, Task) else task.run(stack, index)
        report(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, enumerate(tasks)))


def _print(outcome: Outcome) -> None:
    mark = "pass" if outcome.passed else "FAIL"
    print(
        f"  {mark} {outcome.task} ({outcome.detail()})" + "".join(f"\n       {f}" for f in outcome.failures),
        flush=True,
    )


def result_line(outcomes: list[Outcome], model: str) -> str:
    """``RESULT tasks= passed= model=``, then the figures of each other kind of outcome that ran
    (the code tasks': ``CodeOutcome.figures``)."""
    kinds = sorted({type(o) for o in outcomes}, key=lambda kind: kind.__name__)
    extra = [kind.figures([o for o in outcomes if type(o) is kind]) for kind in kinds]
    fields = "".join(f" {f}" for f in extra if f)
    return f"RESULT tasks={len(outcomes)} passed={sum(o.passed for o in outcomes)} model={model}{fields}"


def main(argv: list[str] | None = None, more: "Callable[[], Sequence[OwnTask]]" = tuple) -> int:
    """The command: the tasks file's tasks and ``more``'s (``python -m local.eval_code`` adds the code
    tasks), run on one local stack; exit 0, 1 below ``--min-passed``, 2 on a harness error."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--min-passed", type=int, default=DEFAULT_MIN_PASSED, help="fewer passed tasks fail (exit 1)"
    )
    parser.add_argument("--only", action="append", default=[], help="run only the tasks of these names")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tasks", type=Path, default=TASKS_FILE, help="the tasks file")
    args = parser.parse_args(argv)
    try:
        tasks: list[Task | OwnTask] = [*load_tasks(args.tasks), *more()]
        unknown = set(args.only) - {t.name for t in tasks}
        if unknown:
            raise HarnessError(f"no task is called {', '.join(sorted(unknown))}")
        if args.only:
            tasks = [t for t in tasks if t.name in args.only]
        env = {k: os.environ[k] for k in MODEL_SETTINGS if os.environ.get(k)}
        model = model_id(env)
        print(f"eval-agents: {len(tasks)} tasks against {model} on the local stack", flush=True)
        stop_on_signals()  # the stack's processes stop with this one
        with LocalStack(extra_env=env) as stack:
            outcomes = evaluate(stack, tasks, args.workers, _print)
    except HarnessError as exc:
        print(f"eval-agents: harness error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # any failure of the harness is a harness error
        print(f"eval-agents: harness error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    passed = sum(o.passed for o in outcomes)
    print(result_line(outcomes, model))
    if passed < args.min_passed:
        print(f"eval-agents: {passed} passed, fewer than --min-passed {args.min_passed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
