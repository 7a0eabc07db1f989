"""``make demo-code``: one idea from the Notion sandbox's Ideas to production, on the local stack (the
functions over HTTP, the emulators, the Notion and code sandboxes, the offline model). Requirements
on the idea page, a draft pull request whose first checks fail and are fixed, a ready preview and
its smoke check, the merge, production, a failing health check and its rollback; a key-like string
stopped by the secret scan. Then a finished run's pull request revised from a signed review comment
(decision 0127). It prints each step, then a RESULT line counted from the sandboxes' state.
"""

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from local.code_sandbox.sandbox import SEED
from local.code_sandbox.stack_seed import CHECK
from local.code_sandbox.testing import Admin
from local.demo import POLL_FIRST_S, Demo, connect, http
from local.stack import LocalStack, stop_on_signals
from shared.code.adapters.vercel import VercelDeployer
from shared.code.domain.code import DeployRequest
from shared.code.domain.revisions import revision_run_id
from shared.platform.domain.offline_release import HEALTH_PATH

JSON = dict[str, Any]
READY = "Ready for agent"
DRIVE_MAX_S = 2.0  # drive's looks at most this far apart: three requests a look, 30 of the pace's 40
REPOSITORY, PROJECT = SEED["repository"], SEED["project"]
REVIEWER = "rosa"  # a GitHub login with write access to the repository (decision 0127)
NOTE = "a note on overdue tasks"  # the owner's own request for a pull request, revised once it ended
NOTE_PATH = "notes/a-note-on-overdue-tasks.md"  # the file the offline model names from it
ASKED = "Overdue tasks are shown in red"  # the line the reviewer asks for, after one they quote
FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key id: the shape of a real one
INSTRUCTIONS = (
    f"When an idea is ready for you, turn it into requirements for a pull request in {REPOSITORY}, "
    "let the owner edit them, then open the pull request from them, fix its failing checks, revise "
    f"it when a reviewer comments, and ship it to production on the Vercel project {PROJECT}."
)
# Settings the demo's stack runs with: none, the stack's defaults (a code run's bound of
# phases follows its pipeline, decision 0142).
EXTRA_ENV: dict[str, str] = {}


def review(after: str) -> str:
    """The reviewer's comment: a line to add after a line of the note they quote, naming the agent."""
    return f'@notion-agent please add the line "{ASKED}" after the line "{after}" in {NOTE_PATH}'


class CodeDemo(Demo):
    """The walk: the owner in the console and in Notion, a reviewer on GitHub, the sandboxes' state."""

    def __init__(self, stack: LocalStack) -> None:
        super().__init__(stack)
        self.code = Admin(stack.code_sandbox_url)
        self.github = stack.code_sandbox_url + "/github"
        self.vercel = VercelDeployer(stack.code_sandbox_url + "/vercel", 5.0)
        self.steps: list[str] = []
        self.t0 = time.monotonic()

    def say(self, what: str) -> None:
        """One step of the story, printed as it happens."""
        self.steps.append(what)
        print(f"  {len(self.steps):2}. [{time.monotonic() - self.t0:5.1f}s] {what}", flush=True)

    def gh(self, method: str, path: str, token: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}", "X-GitHub-Api-Version": "2022-11-28"}
        status, answer, _ = http(method, f"{self.github}/repos/{REPOSITORY}/{path}", body, headers)
        assert 200 <= status < 300, f"GitHub {method} {path} answered {status}: {answer}"
        return answer


def set_up(demo: CodeDemo) -> tuple[str, str]:
    """The workspace connected; GitHub and Vercel tokens given; the repository's policy, its check and
    its production; the agent whose instructions say to ship ideas. Its id and the Ideas source's."""
    demo.auth = connect(demo.stack)
    ideas = demo.ids["ideas_data_source"]
    policy = {"reviewers": [REVIEWER], "fix_attempts": 2, "review_wait_s": 60}  # the least wait
    settings = {
        "data_source_ids": [ideas],
        "github_repositories": [REPOSITORY],
        "vercel_projects": [PROJECT],
        "code_policies": {REPOSITORY: policy},
    }
    demo.api("PATCH", "/settings", settings | {"triggers": {ideas: [{"kind": "mentioned"}]}})
    for name, token in (("github", SEED["github_token"]), ("vercel", SEED["vercel_token"])):
        demo.api("PUT", f"/integrations/{name}", {"token": token})
    demo.say(f"The owner connects Notion, GitHub and Vercel, allows {REPOSITORY} and {PROJECT}")
    rule = [{"kind": "property_changed", "property": "Status", "to": READY}]
    made = demo.api(
        "POST", "/agents", {"name": "Idea to code", "instructions": INSTRUCTIONS, "triggers": {ideas: rule}}
    )
    demo.say(f"The owner makes the agent 'Idea to code': {INSTRUCTIONS}")
    demo.code.set_checks(
        REPOSITORY, [{"name": "tests", "command": [sys.executable, "-c", CHECK], "timeout_s": 30}]
    )
    demo.code.builds(reads_to_ready=1)
    token = SEED["vercel_token"]
    seeded = demo.vercel.create_deployment(
        token,
        DeployRequest(project=PROJECT, repository=REPOSITORY, ref="main", target="production", key="seed"),
    )
    demo.vercel.get_deployment(token, seeded.id)
    demo.say(f"{REPOSITORY} has a test (every note says 'Status: proposed'); production serves {seeded.id}")
    return str(made["agent_id"]), ideas


def start_ideas(demo: CodeDemo, ideas: str) -> str:
    """The owner writes a second idea holding a key-like string, then moves both to Ready for agent."""
    body = {
        "parent": {"data_source_id": ideas},
        "properties": {"Name": {"title": [{"text": {"content": "Nightly export to S3"}}]}},
        "children": [
            {
                "object": "block",
                "type": "paragraph",
                "paragraph": {
                    "rich_text": [
                        {
                            "text": {
                                "content": f"Upload it with AWS_ACCESS_KEY_ID={FAKE_KEY} from the team vault."
                            }
                        }
                    ]
                },
            }
        ],
    }
    export = demo.act("owner", "POST", "pages", body, "wrote an idea")["id"]
    demo.say("The owner writes an idea 'Nightly export to S3' whose text holds an AWS key id")
    ready = {"properties": {"Status": {"status": {"name": READY}}}}
    for page, title in (
        (demo.ids["idea_dashboard"], "A dashboard of open tasks"),
        (export, "Nightly export to S3"),
    ):
        demo.act("owner", "PATCH", f"pages/{page}", ready, f"moved {title!r} to {READY!r}")
        demo.say(f"The owner moves {title!r} to {READY!r} in Notion")
    demo.deliver()
    return str(export)


def drive(
    demo: CodeDemo, listed: Callable[[], list[str]], ended: int, timeout_s: float = 300.0
) -> list[JSON]:
    """Until ``ended`` runs (at least) of those ``listed`` names all ended: the owner answers each
    request in the console (and the sandbox is told to break the next build before production's).
    The runs as they ended."""
    answered: set[tuple[str, str]] = set()
    deadline, pause = time.monotonic() + timeout_s, POLL_FIRST_S
    while time.monotonic() < deadline:
        runs = [run for run_id in listed() if (run := _found(demo, run_id)) is not None]
        for run in runs:
            waiting = run.get("waiting") or {}
            if run["status"] == "waiting_for_human" and waiting.get("purpose") != "approval":
                raise RuntimeError(f"run {run['run_id']} stopped: {waiting.get('prompt')}")
            if (
                run["status"] == "waiting_for_human"
                and (run["run_id"], waiting.get("request_id")) not in answered
            ):
                answer(demo, run, waiting)
                answered.add((run["run_id"], waiting["request_id"]))
                pause = POLL_FIRST_S  # the run goes on: the next look soon
        if len(runs) >= ended and all(
            r["status"] in ("completed", "failed", "cancelled", "rolled_back") for r in runs
        ):
            return runs
        # Each look is a request per run and the list's: at a tenth of a second they spent the
        # owner's pace (40 in 20 s) at once, and every request then waited out a 429 to the window's
        # end. Half as late again each time, at most DRIVE_MAX_S apart (decision 0177).
        time.sleep(pause)
        pause = min(pause * 1.5, DRIVE_MAX_S)
    raise TimeoutError("the runs did not end in time (see the stack's logs)")


def _found(demo: CodeDemo, run_id: str) -> JSON | None:
    """The run as ``GET /runs/<id>`` shows it; None while its plan task has not created it yet."""
    status, run, _ = http("GET", f"{demo.stack.url_of_api()}/runs/{run_id}", None, demo.auth)
    if status == 404:
        return None
    assert status == 200, f"GET /runs/{run_id} answered {status}: {run}"
    return dict(run)


def answer(demo: CodeDemo, run: JSON, waiting: JSON) -> None:
    """The owner reads what the run asks and approves it. Before production's deployment is approved,
    the sandbox is told its next build is broken, so production's health check has something to find."""
    prompt = " ".join(str(waiting.get("prompt") or "").split())
    demo.say(f"The run asks the owner: {prompt[:230]}")
    if "deploy_vercel(" in prompt and "target=production" in prompt:
        demo.code.builds(reads_to_ready=1, healthy=False)
        demo.say(f"(The sandbox is told the next build is broken: its {HEALTH_PATH} will answer 500)")
    demo.api("POST", f"/runs/{run['run_id']}/approve", {"request_id": waiting["request_id"]})
    demo.say("The owner approves in the console")


def open_note(demo: CodeDemo) -> JSON:
    """The owner asks for a pull request of a note through the api; approved, the run ends with it open."""
    started = demo.api("POST", "/runs", {"goal": f"Open a pull request in {REPOSITORY}: {NOTE}"})
    demo.say(f"The owner asks the agent for a pull request in {REPOSITORY}: {NOTE}")
    [ended] = drive(demo, lambda: [started["run_id"]], 1)
    demo.say(f"Run {ended['run_id']} ended {ended['status']}: {ended.get('summary')}")
    return ended


def review_after_it_ended(demo: CodeDemo, original: JSON) -> JSON:
    """GitHub's webhook of the repository is pointed at the api (the owner's ``GET /github/webhook``:
    the sandbox signs each delivery with its secret). The reviewer, who has write access, comments on
    a line of the ended run's pull request; its signed delivery starts the revision run, approved
    and driven to its end. That run as it ended."""
    hook = demo.api("GET", "/github/webhook")
    tenant = str(hook["url"]).rsplit("/", 1)[-1]
    demo.code.add_hook(REPOSITORY, f"{demo.stack.url_of_api()}/github/webhook/{tenant}", hook["secret"])
    demo.say("The owner gives the repository's webhook (its URL and secret) to GitHub")
    [pull] = [p for p in demo.code.repo(REPOSITORY)["pulls"] if not p["merged"]]
    token = f"ghp_sandbox_{REVIEWER}"
    demo.code.grant_github(token, [REPOSITORY], "write", login=REVIEWER)
    lines = demo.code.files(REPOSITORY, pull["head"])[NOTE_PATH].splitlines()
    said_body = review(lines[-1])
    comment = {"body": said_body, "path": NOTE_PATH, "line": len(lines)}
    said = demo.gh("POST", f"pulls/{pull['number']}/comments", token, comment)
    demo.say(
        f"{REVIEWER!r} comments on the last line of pull request #{pull['number']}, after its run ended: {said_body}"
    )
    run_id = revision_run_id(original["run_id"], f"gh-r{said['id']}")
    assert run_id is not None
    deadline = time.monotonic() + 60
    while _found(demo, run_id) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no revision run {run_id}: see the api's log for the delivery")
        time.sleep(0.2)  # the sandbox delivers from a thread; the route queues its plan task
    [revised] = drive(demo, lambda: [run_id], 1)
    demo.say(f"The signed delivery started revision run {run_id}; it ended {revised['status']}")
    return revised


def revised_on_its_branch(demo: CodeDemo, revision: JSON, original: JSON) -> int:
    """1 when the revision run, a child of ``original``, pushed its commit on the branch of the pull
    request ``original`` opened (its head, with the revision trailer), and no pull request was added."""
    opened = [
        e["output"]
        for e in original.get("events", [])
        if e["kind"] == "tool_result" and e.get("tool") == "open_pull_request"
    ]
    pushed = [
        e["output"]
        for e in revision.get("events", [])
        if e["kind"] == "tool_result" and e.get("tool") == "push_revision"
    ]
    if len(opened) != 1 or len(pushed) != 1 or revision.get("parent_run_id") != original["run_id"]:
        return 0
    branch = opened[0]["branch"]
    heads = {c["sha"]: c["message"] for c in demo.code.commits(REPOSITORY, branch)}
    pulls = [p for p in demo.code.repo(REPOSITORY)["pulls"] if p["head"] == branch]
    return int(
        pushed[0]["branch"] == branch
        and "Notion-Agent-Revision:" in heads.get(pushed[0]["head_sha"], "")
        and len(pulls) == 1
        and pulls[0]["head_sha"] == pushed[0]["head_sha"]
    )


def counted(demo: CodeDemo, runs: list[JSON], seeded: str, revised: int) -> JSON:
    """The RESULT's figures, counted from the sandboxes' state (and, for the time of the ask, the run's
    log): pull requests, commits and their check runs, comments, deployments and promotions."""
    repo = demo.code.repo(REPOSITORY)
    runs_of = {c["head_sha"]: c["conclusion"] for c in demo.code.check_runs(REPOSITORY)}
    fixed = 0
    for pull in repo["pulls"]:
        history = demo.code.commits(REPOSITORY, pull["head"]) if pull["head"] in repo["branches"] else []
        for commit in history:
            parent = commit["parents"][0] if commit["parents"] else ""
            if (
                "Notion-Agent-Fix:" in commit["message"]
                and runs_of.get(parent) == "failure"
                and runs_of.get(commit["sha"]) == "success"
            ):
                fixed += 1
    ready = sum(1 for p in repo["pulls"] if not p["draft"] and runs_of.get(p["head_sha"]) == "success")
    merged = sum(1 for p in repo["pulls"] if p["merged"])
    secret_runs = [r for r in runs if "the secret scan stopped the push" in str(r.get("summary") or "")]
    titles = {p["title"] for p in repo["pulls"]}
    blocked = sum(1 for r in secret_runs if not any("export" in t.lower() for t in titles))
    deployments = demo.code.deployments()
    previews = [d for d in deployments if d.get("target") is None]
    asked = [
        e
        for r in runs
        for e in r.get("events", [])
        if e["kind"] == "human_requested" and "is READY at" in str(e.get("prompt"))
    ]
    ready_first = sum(
        1 for p in previews for e in asked
        if p["id"] in e["prompt"] and p.get("ready") and p["ready"] / 1000 < _epoch(e["at"])
    )  # fmt: skip
    production = demo.vercel.production(SEED["vercel_token"], PROJECT)
    promotions = [r for r in demo.code.requests() if "/promote/" in r["path"] and r["status"] < 300]
    later = [d for d in deployments if d.get("target") == "production" and d["id"] != seeded]
    rolled = int(
        production is not None and production.id == seeded and len(later) == 1 and len(promotions) == 1
    )
    return {
        "checks_fixed": fixed,
        "pr_ready": ready,
        "secrets_blocked": blocked,
        "preview_ready_before_ask": ready_first,
        "merged": merged,
        "rollback_ok": rolled,
        "revised": revised,
    }


def _epoch(at: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(at).timestamp()


def run_demo_code(stack: LocalStack) -> JSON:
    """The walk (module docstring): the RESULT's figures, the runs and the steps told."""
    demo = CodeDemo(stack)
    agent_id, ideas = set_up(demo)
    seeded = demo.vercel.production(SEED["vercel_token"], PROJECT)
    assert seeded is not None
    start_ideas(demo, ideas)
    runs = drive(demo, lambda: [r["run_id"] for r in demo.api("GET", f"/runs?agent={agent_id}")["runs"]], 2)
    for run in sorted(runs, key=lambda r: r["run_id"]):
        tell_run(demo, run)
    note = open_note(demo)
    revision = review_after_it_ended(demo, note)
    tell_run(demo, revision)
    revised = revised_on_its_branch(demo, revision, note)
    result = counted(demo, runs, seeded.id, revised)
    return {"result": result, "runs": runs, "steps": demo.steps, "note": note, "revision": revision}


def tell_run(demo: CodeDemo, run: JSON) -> None:
    """What the run did, from its log, in plain words."""
    demo.say(
        f"Run {run['run_id']} ended {run['status']}: {' '.join(str(run.get('summary') or '').split())[:200]}"
    )
    for event in run.get("events", []):
        if event["kind"] == "error_recorded" and event.get("retry_at"):
            print(f"        step {event['step']} waits, no instance held: {event.get('message', '')[:120]}")
        if event["kind"] == "tool_result":
            shown = json.dumps(_short(event.get("output") or {}), ensure_ascii=False)[:200]
            print(f"        step {event['step']} {event['tool']}: {shown}")


def _short(output: JSON) -> JSON:
    return {
        k: v
        for k, v in output.items()
        if k
        in {
            "state",
            "ready",
            "url",
            "number",
            "fixes",
            "revisions",
            "author",
            "healthy",
            "status",
            "rolled_back_to",
            "merge_sha",
            "id",
            "failing",
        }
    }


def result_line(result: JSON) -> str:
    return "RESULT " + " ".join(f"{k}={v}" for k, v in result.items())


def main() -> int:
    stop_on_signals()
    print("Starting the local stack (emulators, the Notion and code sandboxes, the functions)...", flush=True)
    with LocalStack(extra_env=EXTRA_ENV) as stack:
        got = run_demo_code(stack)
        if any(r["status"] == "failed" and "secret scan" not in str(r.get("summary")) for r in got["runs"]):
            stack.keep_workdir()
        line = result_line(got["result"])
    print(line)
    r = got["result"]
    good = (
        r["checks_fixed"] >= 1
        and r["secrets_blocked"] >= 1
        and all(
            r[k] == 1 for k in ("pr_ready", "preview_ready_before_ask", "merged", "rollback_ok", "revised")
        )
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
