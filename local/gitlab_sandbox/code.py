"""The GitLab sandbox's repository, merge requests and pipelines (decision 0126), from GitLab's REST API
documentation (Repositories, Repository files, Branches, Commits, Merge requests, Pipelines, Jobs) and
its webhook events (Pipeline events):

- ``GET .../repository/tree`` (``ref``, ``recursive``, paginated: ``{id, name, type, path, mode}``);
  ``GET .../repository/files/:path?ref=`` (``content`` base64, ``encoding``, ``execute_filemode``,
  ``last_commit_id``; 404 ``File Not Found``); ``GET``/``POST .../repository/branches``;
- commits: ``GET .../repository/commits`` (``ref_name``, ``first_parent``, ``per_page``) and
  ``/commits/:sha``; ``POST .../repository/commits`` with ``branch``, ``start_branch``,
  ``commit_message`` and ``actions`` (``create`` on an existing file or ``update`` on a missing one:
  400 ``A file with this name (doesn't) exist(s)``), 201;
- merge requests: list (``source_branch``, ``state``), create (201; 409 when one is open for the
  branch), get, ``PUT`` (``title``, ``description``; ``draft`` from a ``Draft:`` title), ``PUT .../merge``
  (``sha``: 409 when the head moved; 405 when not open; ``squash``: one squash commit on the target),
  ``GET .../diffs``, ``GET``/``POST .../notes`` (a person's comments);
- pipelines: each commit pushed to a branch runs the configured jobs (a command each, in a temporary
  checkout, with a time limit) as one pipeline; ``GET .../pipelines?sha=``, ``.../pipelines/:id/jobs``,
  ``.../jobs/:id/trace`` (plain text); each status change of a pipeline to success or failed is a
  ``Pipeline Hook`` delivery (``X-Gitlab-Token``, ``X-Gitlab-Event-UUID``) in the outbox.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import tempfile
import threading
import uuid
from typing import TYPE_CHECKING, Any

from local.code_sandbox.github_checks import write_checkout
from local.gitlab_sandbox.app import PROJECT_ID, Refusal, _not_found, _now, _page, _user

if TYPE_CHECKING:
    from local.gitlab_sandbox.app import GitLabSandbox

DEFAULT_BRANCH = "main"
LOG_CHARS = 4_000
Reply = tuple[int, Any, dict[str, str]]


class Trace(str):
    """A reply GitLab sends as plain text (a job's log)."""


class GitLabCode:
    """One project's repository, merge requests and pipelines; guarded by the sandbox's lock."""

    def __init__(self, sandbox: GitLabSandbox) -> None:
        self.sandbox = sandbox
        self.commits: dict[str, dict[str, Any]] = {}
        self.branches: dict[str, str] = {}
        self.merge_requests: dict[int, dict[str, Any]] = {}
        self.mr_notes: dict[int, list[dict[str, Any]]] = {}  # by merge request iid, oldest first
        self.pipelines: list[dict[str, Any]] = []
        self.jobs: list[dict[str, Any]] = []
        self.jobs_config: list[dict[str, Any]] = []  # {name, command, timeout_s}
        self.threads: list[threading.Thread] = []
        self.merges = 0
        self.seed({"README.md": "demo\n"})

    # --- the admin side ----------------------------------------------------------------------------
    def seed(self, files: dict[str, str]) -> str:
        """The default branch reset to one commit holding ``files`` (nothing else kept)."""
        with self.sandbox.lock:
            self.commits.clear()
            self.branches.clear()
            self.merge_requests.clear()
            self.mr_notes.clear()
            self.pipelines.clear()
            self.jobs.clear()
            self.merges = 0
            sha = self._commit(None, {p: (t, False) for p, t in files.items()}, "Initial commit")
            self.branches[DEFAULT_BRANCH] = sha
            return sha

    def files(self, ref: str) -> dict[str, str]:
        with self.sandbox.lock:
            return {p: t for p, (t, _) in self.commits[self._resolve(ref)]["files"].items()}

    def pipelines_done(self, timeout_s: float = 30.0) -> None:
        """Wait until every pipeline started so far has ended."""
        for thread in list(self.threads):
            thread.join(timeout_s)

    # --- the REST side -----------------------------------------------------------------------------
    def answer(
        self, method: str, rest: list[str], query: dict[str, str], body: dict[str, Any], user: dict[str, Any]
    ) -> Reply:
        head, tail = rest[0], rest[1:]
        if head == "repository":
            return self._repository(method, tail, query, body, user)
        if head == "merge_requests":
            return self._merge_requests(method, tail, query, body, user)
        if head == "pipelines" and method == "GET":
            return self._pipelines(tail, query)
        if head == "jobs" and len(tail) == 2 and tail[1] == "trace" and method == "GET":
            job = next((j for j in self.jobs if str(j["id"]) == tail[0]), None)
            if job is None:
                raise _not_found("Job")
            return 200, Trace(job["log"]), {}
        raise Refusal(404, {"error": "404 Not Found"})

    def _resolve(self, ref: str) -> str:
        if ref in self.branches:
            return self.branches[ref]
        if ref in self.commits:
            return ref
        raise _not_found("Commit")

    def _commit(self, parent: str | None, files: dict[str, tuple[str, bool]], message: str) -> str:
        seed = json.dumps([parent, sorted(files.items()), message, len(self.commits)]).encode()
        sha = hashlib.sha1(seed, usedforsecurity=False).hexdigest()
        self.commits[sha] = {
            "id": sha,
            "parent": parent,
            "files": dict(files),
            "message": message,
            "at": _now(),
        }
        return sha

    def _commit_json(self, sha: str) -> dict[str, Any]:
        commit = self.commits[sha]
        return {
            "id": sha,
            "short_id": sha[:8],
            "title": commit["message"].splitlines()[0],
            "message": commit["message"],
            "parent_ids": [commit["parent"]] if commit["parent"] else [],
            "committed_date": commit["at"],
            "created_at": commit["at"],
        }

    def _repository(
        self, method: str, rest: list[str], query: dict[str, str], body: dict[str, Any], user: dict[str, Any]
    ) -> Reply:
        if rest == ["tree"] and method == "GET":
            files = self.commits[self._resolve(query.get("ref") or DEFAULT_BRANCH)]["files"]
            entries = [
                {
                    "id": hashlib.sha1(t.encode(), usedforsecurity=False).hexdigest(),
                    "name": p.rsplit("/", 1)[-1],
                    "type": "blob",
                    "path": p,
                    "mode": "100755" if x else "100644",
                }
                for p, (t, x) in sorted(files.items())
            ]
            return _page(entries, query)
        if rest[:1] == ["files"] and len(rest) == 2 and method == "GET":
            sha = self._resolve(query.get("ref") or DEFAULT_BRANCH)
            found = self.commits[sha]["files"].get(rest[1])
            if found is None:
                raise Refusal(404, {"message": "404 File Not Found"})
            text, executable = found
            return (
                200,
                {
                    "file_name": rest[1].rsplit("/", 1)[-1],
                    "file_path": rest[1],
                    "size": len(text.encode()),
                    "encoding": "base64",
                    "content": base64.b64encode(text.encode()).decode(),
                    "ref": query.get("ref") or DEFAULT_BRANCH,
                    "commit_id": sha,
                    "last_commit_id": sha,
                    "execute_filemode": executable,
                },
                {},
            )
        if rest[:1] == ["branches"]:
            return self._branches(method, rest[1:], body)
        if rest[:1] == ["commits"]:
            return self._commits(method, rest[1:], query, body)
        raise Refusal(404, {"error": "404 Not Found"})

    def _branches(self, method: str, rest: list[str], body: dict[str, Any]) -> Reply:
        if len(rest) == 1 and method == "GET":
            if rest[0] not in self.branches:
                raise _not_found("Branch")
            return 200, {"name": rest[0], "commit": self._commit_json(self.branches[rest[0]])}, {}
        if not rest and method == "POST":
            name, ref = str(body.get("branch") or ""), str(body.get("ref") or "")
            if name in self.branches:
                raise Refusal(400, {"message": "Branch already exists"})
            self.branches[name] = self._resolve(ref)
            return 201, {"name": name, "commit": self._commit_json(self.branches[name])}, {}
        raise Refusal(405, {"error": "405 Method Not Allowed"})

    def _commits(self, method: str, rest: list[str], query: dict[str, str], body: dict[str, Any]) -> Reply:
        if len(rest) == 1 and method == "GET":
            return 200, self._commit_json(self._resolve(rest[0])), {}
        if not rest and method == "GET":
            sha: str | None = self._resolve(query.get("ref_name") or DEFAULT_BRANCH)
            history = []
            while sha is not None:
                history.append(self._commit_json(sha))
                sha = self.commits[sha]["parent"]
            return _page(history, query)
        if not rest and method == "POST":
            return self._push(body)
        raise Refusal(405, {"error": "405 Method Not Allowed"})

    def _push(self, body: dict[str, Any]) -> Reply:
        branch, message = str(body.get("branch") or ""), str(body.get("commit_message") or "")
        actions = body.get("actions")
        if not branch or not message or not isinstance(actions, list) or not actions:
            raise Refusal(400, {"error": "branch, commit_message, actions are missing"})
        start = branch if branch in self.branches else str(body.get("start_branch") or "")
        if start not in self.branches:
            raise Refusal(400, {"message": "You can only create or edit files when you are on a branch"})
        files = dict(self.commits[self.branches[start]]["files"])
        for action in actions:
            kind, path = action.get("action"), str(action.get("file_path") or "")
            exists = path in files
            if kind not in ("create", "update") or not path:
                raise Refusal(400, {"error": "actions[action] does not have a valid value"})
            if kind == "create" and exists:
                raise Refusal(400, {"message": "A file with this name already exists"})
            if kind == "update" and not exists:
                raise Refusal(400, {"message": "A file with this name doesn't exist"})
            executable = action.get("execute_filemode")
            keep = files[path][1] if exists else False
            files[path] = (str(action.get("content") or ""), keep if executable is None else bool(executable))
        sha = self._commit(self.branches[start], files, message)
        self.branches[branch] = sha
        self.sandbox.writes_by_api += 1
        self._refresh_heads(branch)
        self._run_pipeline(sha, branch)
        return 201, self._commit_json(sha), {}

    def _refresh_heads(self, branch: str) -> None:
        for mr in self.merge_requests.values():
            if mr["source_branch"] == branch and mr["state"] == "opened":
                mr["sha"] = self.branches[branch]

    # --- merge requests ----------------------------------------------------------------------------
    def _merge_requests(
        self, method: str, rest: list[str], query: dict[str, str], body: dict[str, Any], user: dict[str, Any]
    ) -> Reply:
        if not rest:
            return self._open(body, user) if method == "POST" else self._list(query)
        if not rest or not rest[0].isdigit() or int(rest[0]) not in self.merge_requests:
            raise _not_found("Merge Request")
        mr = self.merge_requests[int(rest[0])]
        if rest[1:] == [] and method == "GET":
            return 200, self._mr_json(mr), {}
        if rest[1:] == [] and method == "PUT":
            for name in ("title", "description"):
                if name in body:
                    mr[name] = str(body[name])
            self.sandbox.writes_by_api += 1
            return 200, self._mr_json(mr), {}
        if rest[1:] == ["merge"] and method == "PUT":
            return self._merge(mr, body)
        if rest[1:] == ["diffs"] and method == "GET":
            return _page(self._diffs(mr), query)
        if rest[1:] != ["notes"] or method not in ("GET", "POST"):
            raise Refusal(405, {"error": "405 Method Not Allowed"})
        return self._notes(mr, method, query, body, user)

    def _notes(
        self,
        mr: dict[str, Any],
        method: str,
        query: dict[str, str],
        body: dict[str, Any],
        user: dict[str, Any],
    ) -> Reply:
        """A merge request's notes (paginated), or a person's new comment (``body``; 201 with the note)."""
        if method == "GET":
            return _page(list(self.mr_notes.get(mr["iid"], [])), query)
        if not str(body.get("body") or "").strip():
            raise Refusal(400, {"error": "body is missing"})
        notes = self.mr_notes.setdefault(mr["iid"], [])
        note = {"id": 5000 + len(notes), "body": str(body["body"]), "author": _user(user)}
        notes.append(note | {"created_at": _now(), "system": False, "noteable_type": "MergeRequest"})
        self.sandbox.writes_by_api += 1
        return 201, dict(notes[-1]), {}

    def _list(self, query: dict[str, str]) -> Reply:
        found = [
            self._mr_json(m)
            for m in sorted(self.merge_requests.values(), key=lambda m: -m["iid"])
            if query.get("source_branch", m["source_branch"]) == m["source_branch"]
            and query.get("state", "all") in ("all", m["state"])
        ]
        return _page(found, query)

    def _open(self, body: dict[str, Any], user: dict[str, Any]) -> Reply:
        source, target = str(body.get("source_branch") or ""), str(body.get("target_branch") or "")
        if not str(body.get("title") or "").strip() or not source or not target:
            raise Refusal(400, {"error": "title, source_branch, target_branch are missing"})
        if source not in self.branches or target not in self.branches:
            raise _not_found("Branch")
        taken = [
            m for m in self.merge_requests.values() if m["source_branch"] == source and m["state"] == "opened"
        ]
        if taken:
            raise Refusal(
                409,
                {
                    "message": [
                        f"Another open merge request already exists for this source branch: !{taken[0]['iid']}"
                    ]
                },
            )
        iid = len(self.merge_requests) + 1
        self.merge_requests[iid] = {
            "iid": iid,
            "id": 70_000 + iid,
            "title": str(body["title"]),
            "description": str(body.get("description") or ""),
            "source_branch": source,
            "target_branch": target,
            "state": "opened",
            "sha": self.branches[source],
            "base": self.branches[target],
            "author": _user(user),
            "squash_commit_sha": None,
            "merge_commit_sha": None,
        }
        self.sandbox.writes_by_api += 1
        return 201, self._mr_json(self.merge_requests[iid]), {}

    def _merge(self, mr: dict[str, Any], body: dict[str, Any]) -> Reply:
        if mr["state"] != "opened":
            raise Refusal(405, {"message": "405 Method Not Allowed"})
        if body.get("sha") and body["sha"] != mr["sha"]:
            raise Refusal(409, {"message": "SHA does not match HEAD of source branch"})
        target = mr["target_branch"]
        files = dict(self.commits[self.branches[target]]["files"])
        files.update(self.commits[mr["sha"]]["files"])
        message = str(body.get("squash_commit_message") or mr["title"])
        squash = self._commit(self.branches[target], files, message)
        self.branches[target] = squash
        mr.update(
            state="merged", squash_commit_sha=squash if body.get("squash") else None, merge_commit_sha=squash
        )
        self.merges += 1
        self.sandbox.writes_by_api += 1
        return 200, self._mr_json(mr), {}

    def _diffs(self, mr: dict[str, Any]) -> list[dict[str, Any]]:
        old, new = self.commits[mr["base"]]["files"], self.commits[mr["sha"]]["files"]
        return [
            {
                "old_path": p,
                "new_path": p,
                "new_file": p not in old,
                "deleted_file": False,
                "renamed_file": False,
                "diff": "".join(f"-{line}\n" for line in old.get(p, ("", False))[0].splitlines())
                + "".join(f"+{line}\n" for line in new[p][0].splitlines()),
            }
            for p in sorted(new)
            if old.get(p) != new[p]
        ]

    def _mr_json(self, mr: dict[str, Any]) -> dict[str, Any]:
        title = mr["title"]
        draft = title.lower().startswith(("draft:", "[draft]", "(draft)", "draft -"))
        return {
            **{k: v for k, v in mr.items() if k != "base"},
            "project_id": PROJECT_ID,
            "draft": draft,
            "work_in_progress": draft,
            "web_url": f"https://gitlab.example/{self.sandbox.project_path}/-/merge_requests/{mr['iid']}",
        }

    # --- pipelines ---------------------------------------------------------------------------------
    def _pipelines(self, rest: list[str], query: dict[str, str]) -> Reply:
        if not rest:
            found = [
                self._pipeline_json(p)
                for p in reversed(self.pipelines)
                if query.get("sha", p["sha"]) == p["sha"]
            ]
            return _page(found, query)
        if len(rest) == 2 and rest[1] == "jobs":
            jobs = [self._job_json(j) for j in reversed(self.jobs) if str(j["pipeline_id"]) == rest[0]]
            return _page(jobs, query)
        raise _not_found("Pipeline")

    def _pipeline_json(self, pipeline: dict[str, Any]) -> dict[str, Any]:
        return {
            k: pipeline[k]
            for k in ("id", "iid", "project_id", "sha", "ref", "status", "source", "created_at", "updated_at")
        }

    def _job_json(self, job: dict[str, Any]) -> dict[str, Any]:
        return {k: job[k] for k in ("id", "name", "stage", "status", "allow_failure", "created_at")} | {
            "pipeline": {
                "id": job["pipeline_id"],
                "sha": job["sha"],
                "status": self._pipeline(job["pipeline_id"])["status"],
            }
        }

    def _pipeline(self, pipeline_id: int) -> dict[str, Any]:
        return next(p for p in self.pipelines if p["id"] == pipeline_id)

    def _run_pipeline(self, sha: str, branch: str) -> None:
        if not self.jobs_config or any(p["sha"] == sha for p in self.pipelines):
            return
        pid = 5_000 + len(self.pipelines) + 1
        now = _now()
        pipeline = {
            "id": pid,
            "iid": len(self.pipelines) + 1,
            "project_id": PROJECT_ID,
            "sha": sha,
            "ref": branch,
            "status": "running",
            "source": "push",
            "created_at": now,
            "updated_at": now,
        }
        self.pipelines.append(pipeline)
        files = {p: t for p, (t, _) in self.commits[sha]["files"].items()}
        for config in self.jobs_config:
            job = {
                "id": 90_000 + len(self.jobs) + 1,
                "name": config["name"],
                "stage": "test",
                "status": "running",
                "allow_failure": bool(config.get("allow_failure", False)),
                "created_at": now,
                "pipeline_id": pid,
                "sha": sha,
                "log": "",
            }
            self.jobs.append(job)
            thread = threading.Thread(target=self._run_job, args=(pipeline, job, config, files), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _run_job(
        self, pipeline: dict[str, Any], job: dict[str, Any], config: dict[str, Any], files: dict[str, str]
    ) -> None:
        with tempfile.TemporaryDirectory(prefix="sandbox-gitlab-job-") as checkout:
            env = write_checkout(checkout, files)
            try:
                done = subprocess.run(
                    config["command"],
                    cwd=checkout,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=float(config.get("timeout_s", 30)),
                    check=False,
                )
                status, log = ("success" if done.returncode == 0 else "failed"), done.stdout + done.stderr
            except subprocess.TimeoutExpired:
                status, log = "failed", f"stopped after {config.get('timeout_s', 30)} s"
        with self.sandbox.lock:
            job.update(status=status, log=log[-LOG_CHARS:])
            mine = [j for j in self.jobs if j["pipeline_id"] == pipeline["id"]]
            if all(j["status"] not in ("running", "pending") for j in mine):
                failed = any(j["status"] == "failed" and not j["allow_failure"] for j in mine)
                pipeline.update(status="failed" if failed else "success", updated_at=_now())
                self._deliver(pipeline, mine)

    def _deliver(self, pipeline: dict[str, Any], jobs: list[dict[str, Any]]) -> None:
        """A ``Pipeline Hook`` delivery to each hook with ``pipeline_events`` (kept in the outbox)."""
        event = str(uuid.uuid4())
        body = json.dumps(
            {
                "object_kind": "pipeline",
                "object_attributes": {**self._pipeline_json(pipeline), "detailed_status": pipeline["status"]},
                "project": {"id": PROJECT_ID, "path_with_namespace": self.sandbox.project_path},
                "builds": [
                    {k: j[k] for k in ("id", "name", "stage", "status", "allow_failure")} for j in jobs
                ],
            }
        ).encode()
        for hook in self.sandbox.hooks.values():
            if hook.get("pipeline_events"):
                headers = {
                    "Content-Type": "application/json",
                    "X-Gitlab-Event": "Pipeline Hook",
                    "X-Gitlab-Token": hook["token"],
                    "X-Gitlab-Instance": "https://gitlab.example",
                    "X-Gitlab-Webhook-UUID": hook["uuid"],
                    "X-Gitlab-Event-UUID": event,
                    "Idempotency-Key": str(uuid.uuid4()),
                }
                self.sandbox.outbox.append((hook["url"], headers, body))
