"""GitHub's checks on a pushed commit, as the code host adapter reads them.

A repository may have checks configured (admin: a name, a command, a time limit, and whether it
reports as a check run or as a commit status). Each push of a branch to a new commit runs every
check in a thread: the commit's tree is written to a temporary checkout and the command runs there
with the time limit and an empty environment (PATH only). Its result is what GitHub shows:

- check runs (docs.github.com/rest/checks/runs, "List check runs for a Git reference"):
  ``{"total_count", "check_runs": [{id, name, head_sha, status: queued|in_progress|completed,
  conclusion: success|failure|timed_out|null, started_at, completed_at, output: {title, summary,
  text}}]}``;
- commit statuses (docs.github.com/rest/commits/statuses, "Get the combined status for a specific
  reference"): ``{"state": success|pending|failure, "sha", "total_count", "statuses": [{context,
  state: pending|success|failure|error, description}]}``; no status at all is ``pending``;
- webhook deliveries (docs.github.com/webhooks, "Validating webhook deliveries"): each completed
  check POSTs a ``check_run`` (action ``completed``) or ``status`` event to each configured hook with
  ``X-GitHub-Event``, ``X-GitHub-Delivery`` (a GUID, kept by a redelivery) and
  ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the hook's secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import threading
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from local.code_sandbox import github_payloads as payloads
from local.code_sandbox.github_state import CheckConfig, CheckRun, Delivery, GitHubState, Repo, invalid
from local.code_sandbox.gitstore import now

if TYPE_CHECKING:
    from local.code_sandbox.github_views import JSON, Call

OUTPUT_CHARS = 4_000  # GitHub keeps up to 65535 characters of a check run's output text
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _stamp(when: datetime | None) -> str | None:
    return when.strftime(_STAMP) if when else None


def check_run_json(repo: Repo, run: CheckRun) -> JSON:
    return {
        "id": run.id,
        "node_id": f"CR_sandbox{run.id}",
        "name": run.name,
        "head_sha": run.head_sha,
        "external_id": "",
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": _stamp(run.started_at),
        "completed_at": _stamp(run.completed_at),
        "output": {
            "title": f"{run.name}: {run.conclusion or run.status}",
            "summary": run.summary,
            "text": run.text,
            "annotations_count": 0,
        },
        "check_suite": {"id": 700_000 + run.id, "head_branch": run.branch or None, "head_sha": run.head_sha},
        "app": {"slug": "sandbox-ci", "name": "Sandbox CI"},
        "html_url": f"https://github.com/{repo.full_name}/runs/{run.id}",
        "pull_requests": [],
    }


def _status_state(run: CheckRun) -> str:
    if run.status != "completed":
        return "pending"
    return {"success": "success", "failure": "failure"}.get(run.conclusion or "", "error")


def status_json(run: CheckRun) -> JSON:
    state = _status_state(run)
    return {
        "id": run.id,
        "context": run.name,
        "state": state,
        "description": (run.summary or state)[:140],  # GitHub cuts a status's description at 140
        "target_url": None,
        "created_at": _stamp(run.started_at),
        "updated_at": _stamp(run.completed_at or run.started_at),
    }


def _runs_for(call: Call, kind: str) -> tuple[str, list[CheckRun]]:
    ref = call.params[0]
    sha = call.repo.branch_head(ref) or ref
    if sha not in call.repo.objects.commits:
        raise invalid(f"No commit found for SHA: {ref}")
    latest: dict[str, CheckRun] = {}
    for run in call.repo.check_runs:
        if run.head_sha == sha and run.kind == kind:
            latest[run.name] = run  # the newest run of each name (a re-run replaces)
    return sha, list(latest.values())


def list_check_runs(call: Call) -> tuple[JSON, int]:
    """GET /repos/{owner}/{repo}/commits/{ref}/check-runs."""
    _, runs = _runs_for(call, "check_run")
    return {"total_count": len(runs), "check_runs": [check_run_json(call.repo, r) for r in runs]}, 200


def combined_status(call: Call) -> tuple[JSON, int]:
    """GET /repos/{owner}/{repo}/commits/{ref}/status."""
    sha, runs = _runs_for(call, "status")
    states = [_status_state(r) for r in runs]
    if any(s in ("failure", "error") for s in states):
        state = "failure"
    elif not states or "pending" in states:
        state = "pending"
    else:
        state = "success"
    statuses = [status_json(r) for r in runs]
    return {"state": state, "sha": sha, "total_count": len(runs), "statuses": statuses}, 200


def pushed(state: GitHubState, repo: Repo, sha: str, branch: str = "") -> None:
    """A branch of ``repo`` now points at ``sha``: run each configured check on it once (a commit
    pushed again to another branch is not checked twice). Called under the sandbox's lock."""
    if any(run.head_sha == sha for run in repo.check_runs) or not repo.checks:
        return
    files = repo.files(sha)
    for config in repo.checks:
        run = CheckRun(state.next_id(), config.name, sha, config.kind, branch)
        repo.check_runs.append(run)
        args = (state, repo, run, config, files)
        threading.Thread(target=_run_check, args=args, daemon=True, name=f"check-{run.id}").start()


def write_checkout(checkout: str, files: dict[str, str]) -> dict[str, str]:
    """``files`` written under the directory ``checkout``; the environment a check's command runs
    with there (PATH, and HOME the checkout). Also the GitLab sandbox's pipeline jobs'."""
    for path, text in files.items():
        target = Path(checkout, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": checkout}


def _run_check(
    state: GitHubState, repo: Repo, run: CheckRun, config: CheckConfig, files: dict[str, str]
) -> None:
    with state.lock:
        run.status, run.started_at = "in_progress", now()
    with tempfile.TemporaryDirectory(prefix="sandbox-check-") as checkout:
        env = write_checkout(checkout, files)
        try:
            done = subprocess.run(
                config.command,
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                timeout=config.timeout_s,
                check=False,
            )
            output = (done.stdout + done.stderr)[-OUTPUT_CHARS:]
            conclusion = "success" if done.returncode == 0 else "failure"
            summary = f"exited with {done.returncode}"
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout or ""
            output = (out.decode() if isinstance(out, bytes) else out)[-OUTPUT_CHARS:]
            conclusion, summary = "timed_out", f"stopped after {config.timeout_s:g} s"
        except OSError as exc:
            output, conclusion, summary = str(exc), "failure", "could not start"
    with state.lock:
        run.status, run.conclusion, run.completed_at = "completed", conclusion, now()
        run.summary, run.text = summary, output
        deliveries = _deliveries(repo, run)
        state.deliveries.extend(deliveries)
    for delivery in deliveries:
        send(state, delivery)


def _deliveries(repo: Repo, run: CheckRun) -> list[Delivery]:
    """The run's delivery to each hook, whole as GitHub's schema says (local/code_sandbox/github_payloads.py)."""
    repository = payloads.repository(repo)
    sender = payloads.user("sandbox-ci[bot]", 900, "Bot")
    if run.kind == "check_run":
        event = "check_run"
        payload: dict[str, Any] = {
            "action": "completed",
            "check_run": payloads.check_run(repo, check_run_json(repo, run)),
            "repository": repository,
            "sender": sender,
        }
    else:
        event = "status"
        heads = [
            n.removeprefix("heads/")
            for n, s in repo.refs.items()
            if s == run.head_sha and n.startswith("heads/")
        ]
        branches = [payloads.branch(repo, b, run.head_sha) for b in heads]
        status = status_json(run)
        payload = {"sha": run.head_sha, "name": repo.full_name, "repository": repository, "sender": sender}
        payload |= {"branches": branches, "commit": payloads.commit(repo, run.head_sha)}
        payload |= status | {"created_at": status["created_at"] or payloads.EPOCH}
        payload["updated_at"] = status["updated_at"] or payload["created_at"]
    body = json.dumps(payload).encode()
    return [Delivery(str(uuid.uuid4()), event, body, h.url, h.secret) for h in repo.hooks]


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(state: GitHubState, delivery: Delivery) -> None:
    """POST one delivery (outside the lock), recording the answer's status (0: not reached)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/sandbox",
        "X-GitHub-Event": delivery.event,
        "X-GitHub-Delivery": delivery.guid,
        "X-GitHub-Hook-ID": "1",
        "X-Hub-Signature-256": signature(delivery.secret, delivery.body),
    }
    try:
        status = httpx.post(delivery.url, content=delivery.body, headers=headers, timeout=10).status_code
    except httpx.HTTPError:
        status = 0
    with state.lock:
        delivery.answers.append(status)


def delivery_json(delivery: Delivery) -> JSON:
    return {
        "guid": delivery.guid,
        "event": delivery.event,
        "url": delivery.url,
        "answers": list(delivery.answers),
        "payload": json.loads(delivery.body),
    }
