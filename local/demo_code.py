"""``make demo-code``: one idea from the Notion sandbox's Ideas to production, on the local stack (the
functions over HTTP, the emulators, the Notion and code sandboxes, the offline model). Requirements
on the idea page, a draft pull request whose first checks fail and are fixed, a review comment and
its revision, a ready preview and its smoke check, the merge, production, a failing health check and
its rollback; a second idea holding a key-like string is stopped by the secret scan. It prints each
step in plain words, then a RESULT line whose figures are counted from the sandboxes' state.
"""

import json
import sys
import time
from typing import Any

from local.code_sandbox.sandbox import SEED
from local.code_sandbox.testing import Admin
from local.demo import Demo, connect, http
from local.stack import LocalStack, stop_on_signals
from shared.code.adapters.vercel import VercelDeployer
from shared.code.domain.code import DeployRequest
from shared.platform.domain.offline_release import HEALTH_PATH

JSON = dict[str, Any]
READY = "Ready for agent"
REPOSITORY, PROJECT = SEED["repository"], SEED["project"]
REVIEWER = "rosa"  # a GitHub login the repository's policy lists as a reviewer (decision 0108)
REVIEW = '@notion-agent please add the line "Overdue tasks are shown in red" to the note'
FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key id: the shape of a real one
INSTRUCTIONS = (
    f"When an idea is ready for you, turn it into requirements for a pull request in {REPOSITORY}, "
    "let the owner edit them, then open the pull request from them, fix its failing checks, revise "
    f"it when a reviewer comments, and ship it to production on the Vercel project {PROJECT}."
)
# The repository's own test, run by the code sandbox on each pushed commit in a temporary checkout.
CHECK = """
import pathlib, sys
bad = [p for p in sorted(pathlib.Path("notes").glob("*.md")) if "Status: proposed" not in p.read_text().splitlines()]
for p in bad:
    print(f'{p.as_posix()}: missing the line "Status: proposed"')
sys.exit(1 if bad else 0)
"""
# Settings the demo's stack runs with: a run of this pipeline plans five phases after its first.
EXTRA_ENV = {"NA_RUN_MAX_REPLANS": "6"}


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
    policy = {"reviewers": [REVIEWER], "fix_attempts": 2}
    settings = {
        "data_source_ids": [ideas],
        "github_repositories": [REPOSITORY],
        "vercel_projects": [PROJECT],
        "code_policies": {REPOSITORY: policy},
    }
    demo.api("PATCH", "/settings", settings | {"triggers": {ideas: [{"kind": "mentioned"}]}})
    for name, token in (("github", SEED["github_token"]), ("vercel", SEED["vercel_token"])):
        demo.api("PUT", f"/integrations/{name}", {"token": token})
    demo.say(
        f"The owner connects Notion, GitHub and Vercel, allows {REPOSITORY} and {PROJECT}, and lists {REVIEWER!r} as a reviewer"
    )
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


def drive(demo: CodeDemo, agent_id: str, timeout_s: float = 300.0) -> list[JSON]:
    """Until every run of the agent ended: the owner answers each request in the console (and the
    sandbox is told to break the next build before production's), the reviewer comments once the
    fix is pushed. The runs as they ended."""
    answered: set[tuple[str, str]] = set()
    commented = False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = demo.api("GET", f"/runs?agent={agent_id}")["runs"]
        for listed in runs:
            run = demo.api("GET", f"/runs/{listed['run_id']}")
            waiting = run.get("waiting") or {}
            if run["status"] == "waiting_for_human" and waiting.get("purpose") != "approval":
                raise RuntimeError(f"run {run['run_id']} stopped: {waiting.get('prompt')}")
            if (
                run["status"] == "waiting_for_human"
                and (run["run_id"], waiting.get("request_id")) not in answered
            ):
                answer(demo, run, waiting)
                answered.add((run["run_id"], waiting["request_id"]))
        if not commented:
            commented = review_when_fixed(demo)
        if len(runs) >= 2 and all(r["status"] in ("completed", "failed", "cancelled") for r in runs):
            return [demo.api("GET", f"/runs/{r['run_id']}") for r in runs]
        time.sleep(0.1)
    raise TimeoutError("the runs did not end in time (see the stack's logs)")


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


def _pull(demo: CodeDemo) -> JSON | None:
    pulls = demo.code.repo(REPOSITORY)["pulls"]
    return pulls[0] if pulls else None


def review_when_fixed(demo: CodeDemo) -> bool:
    """Once a fix is pushed on the pull request's branch, the reviewer comments on it (GitHub's
    "Create an issue comment", with the reviewer's own token). Whether it commented."""
    pull = _pull(demo)
    if pull is None:
        return False
    commits = demo.code.commits(REPOSITORY, pull["head"])
    if not any("Notion-Agent-Fix:" in c["message"] for c in commits):
        return False
    token = f"ghp_sandbox_{REVIEWER}"
    demo.code.grant_github(token, [REPOSITORY], "read", login=REVIEWER)
    demo.gh("POST", f"issues/{pull['number']}/comments", token, {"body": REVIEW})
    demo.say(f"{REVIEWER!r} comments on pull request #{pull['number']}: {REVIEW}")
    return True


def counted(demo: CodeDemo, runs: list[JSON], seeded: str) -> JSON:
    """The RESULT's figures, counted from the sandboxes' state (and, for the time of the ask, the run's
    log): pull requests, commits and their check runs, comments, deployments and promotions."""
    repo = demo.code.repo(REPOSITORY)
    runs_of = {c["head_sha"]: c["conclusion"] for c in demo.code.check_runs(REPOSITORY)}
    fixed = revised = 0
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
            if "Notion-Agent-Revision:" in commit["message"]:
                revised += 1
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
    runs = drive(demo, agent_id)
    for run in sorted(runs, key=lambda r: r["run_id"]):
        tell_run(demo, run)
    result = counted(demo, runs, seeded.id)
    return {"result": result, "runs": runs, "steps": demo.steps}


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
