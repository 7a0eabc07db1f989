"""The offline model's way from requirements to production. A goal may say "ship
it to production on the Vercel project <name>". Then come a draft pull request and its checks, and a
fix from a failing check's own output. A reviewer's comment is awaited and answered. Then a preview,
the merge, production and its health check. Each phase is planned from the run's outputs. Pure.
"""

import json
import re
from typing import Any

from shared.platform.domain.offline_ideas import plan_step

_SHIP = re.compile(r"ship it to production on the vercel project ([A-Za-z0-9_.-]+)", re.IGNORECASE)
_MISSING = re.compile(r'^(\S+): missing the line "([^"\n]{1,200})"$', re.MULTILINE)
_ADD = re.compile(r'\badd the line "([^"\n]{1,200})"', re.IGNORECASE)
_REVISE = re.compile(
    r"Revise pull request #(\d+) of ([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+) on its branch (\S+) as the comment "
    r"below asks: push one revision there \(push_revision, comment_id (\d+);"
)
_ADD_AFTER = re.compile(
    r'\badd the line "([^"\n]{1,200})" after the line "([^"\n]{1,200})" in ([A-Za-z0-9_./-]{1,200}\.md)\b',
    re.IGNORECASE,
)
HEALTH_PATH = "/api/health"
# What a shipping run's later phases use, named in its first plan (a later phase may use no other).
RELEASE_TOOLS = (
    "await_checks",
    "push_fix",
    "await_review",
    "push_revision",
    "deploy_vercel",
    "merge_pull_request",
    "await_deployment",
    "check_production",
    "finish",
)


def recovered(ctx: dict[str, Any]) -> dict[str, Any]:
    """A later phase's context cut at the prompt's size (``{"truncated": <its JSON's start>}``) read
    as far as it goes: the goal, phase and reason, and what the run read (its page, its outputs) when
    whole. The recent events come last and are the first lost. Any other context is returned as is."""
    text = ctx.get("truncated")
    if set(ctx) != {"truncated"} or not isinstance(text, str):
        return ctx
    found: dict[str, Any] = {}
    for indent, keys, into in (
        (1, ("goal", "phase", "why"), found),
        (2, ("page", "outputs"), found.setdefault("read", {})),
    ):
        for key in keys:
            at = re.search(rf'^{" " * indent}"{key}": ', text, re.MULTILINE)
            if at is None:
                continue
            try:
                into[key] = json.JSONDecoder().raw_decode(text, at.end())[0]
            except json.JSONDecodeError:
                continue
    return found if found.get("phase") else ctx


def release_project(goal: str) -> str | None:
    """The Vercel project the goal says to ship to; None: the goal ships nothing."""
    found = _SHIP.search(goal)
    return found[1].rstrip(".") if found else None


def _then(reason: str, *tools: str) -> dict[str, str]:
    return plan_step(
        "plan_next", "what comes next depends on what this phase finds", reason=reason, tools=list(tools)
    )


def _plan(goal: str, steps: list[dict[str, str]], risk: str = "medium") -> dict[str, Any]:
    return {"goal": goal, "risk": risk, "on_reject": "end", "steps": steps}


def first_code_phase(req: dict[str, Any], goal: str) -> dict[str, Any]:
    """The change drafted from the requirements (``read_requirements``' output), opened as a draft
    pull request, its checks awaited, then the next phase planned from what they say."""
    brief, repository = str(req["brief"]), str(req["repository"])
    steps = [
        plan_step(
            "draft_text",
            "write the change",
            instructions=f"Write the change (one Markdown file) that meets these requirements:\n{brief}"[
                :4000
            ],
        ),
        plan_step(
            "open_pull_request",
            "propose it as a draft until its checks pass",
            repository=repository,
            title=str(req.get("title") or req["slug"])[:200],
            body=brief[:50_000],
            files=[{"path": f"notes/{req['slug']}.md", "content": "${steps.1.text}"}],
            draft=True,
        ),
        plan_step(
            "await_checks", "the repository's own checks", repository=repository, branch="${steps.2.branch}"
        ),
        _then(
            "fix the failing checks, if any, else wait for a review",
            "push_fix",
            "await_checks",
            "await_review",
        ),
    ]
    return _plan(goal, steps)


def _ordered(ctx: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The outputs the run keeps, by step number."""
    outputs = (ctx.get("read") or {}).get("outputs") or {}
    keyed = [(int(k), v) for k, v in outputs.items() if str(k).isdigit() and isinstance(v, dict)]
    return sorted(keyed, key=lambda kv: kv[0])


def _added(checks: list[dict[str, Any]], comments: list[dict[str, Any]], path: str) -> list[str]:
    """The lines the change gained: each a failing check asked for, then each a reviewer asked for."""
    lines = [
        line
        for c in checks
        for f in c.get("failing") or []
        for where, line in _MISSING.findall(str(f.get("output") or ""))
        if where == path
    ]
    lines += [m[1] for r in comments if (m := _ADD.search(str(r.get("body") or "")))]
    return list(dict.fromkeys(lines))


def _ending(goal: str, why: str) -> dict[str, Any]:
    return _plan(goal, [plan_step("finish", why, summary=why)], "low")


def release_phase(ctx: dict[str, Any], goal: str) -> dict[str, Any] | None:
    """The next phase of a shipping run, from the outputs it keeps (the requirements, the pull
    request's branch, the draft, each look at the checks and for a review); None: this run ships
    nothing or has no requirements yet."""
    project = release_project(goal)
    outputs = _ordered(ctx)
    req = next((o for _, o in outputs if {"brief", "repository", "slug"} <= set(o)), None)
    if project is None or req is None:
        return None
    branch = next((str(o["branch"]) for _, o in outputs if "branch" in o), None)
    if branch is None:
        return first_code_phase(req, goal)
    draft = next((str(o["text"]) for _, o in outputs if "text" in o and "brief" not in o), "")
    checks = [(n, o) for n, o in outputs if "fixes_left" in o]
    reviews = [(n, o) for n, o in outputs if "ignored" in o]
    if not checks or checks[-1][1].get("state") not in ("success", "failure"):
        return _ending(goal, "The checks did not finish; the pull request stays a draft")
    change = _Change(goal, str(req["repository"]), branch, f"notes/{req['slug']}.md", draft)
    return change.after(checks, reviews, project)


class _Change:
    """The pull request's change as this run made it: the next push is the draft plus the lines
    the failing checks and the reviewers asked for."""

    def __init__(self, goal: str, repository: str, branch: str, path: str, draft: str) -> None:
        self.goal, self.repository, self.branch, self.path, self.draft = goal, repository, branch, path, draft

    def after(
        self,
        checks: list[tuple[int, dict[str, Any]]],
        reviews: list[tuple[int, dict[str, Any]]],
        project: str,
    ) -> dict[str, Any]:
        """What follows the last look at the checks: a fix, a wait for a review, a revision, or the release."""
        comments = [o for _, o in reviews if o.get("state") == "comment"]
        if checks[-1][1]["state"] == "failure":
            return self.fix([o for _, o in checks])
        if not reviews:
            return self.await_review()
        if reviews[-1][1].get("state") == "comment" and reviews[-1][0] > checks[-1][0]:
            return self.revise([o for _, o in checks], comments)
        return _ship(self.goal, self.repository, self.branch, str(checks[-1][1]["head_sha"]), project)

    def _files(self, lines: list[str]) -> list[dict[str, str]]:
        return [{"path": self.path, "content": "\n".join([self.draft.rstrip(), *lines]) + "\n"}]

    def _where(self) -> dict[str, str]:
        return {"repository": self.repository, "branch": self.branch}

    def fix(self, checks: list[dict[str, Any]]) -> dict[str, Any]:
        """A fix from what the failing check printed, then its checks."""
        asked = _added(checks, [], self.path)
        if not asked:
            return _ending(
                self.goal, "The checks fail for a reason I cannot read; see the draft pull request"
            )
        steps = [
            plan_step(
                "push_fix",
                "add what the failing check asks for",
                message="Add what the checks ask for",
                files=self._files(asked),
                **self._where(),
            ),
            plan_step("await_checks", "the checks of the fix", **self._where()),
            _then("fix again or wait for a review", "push_fix", "await_checks", "await_review"),
        ]
        return _plan(self.goal, steps)

    def await_review(self) -> dict[str, Any]:
        steps = [
            plan_step("await_review", "a reviewer may ask for changes", **self._where()),
            _then("revise, or ship it", "push_revision", "deploy_vercel"),
        ]
        return _plan(self.goal, steps, "low")

    def revise(self, checks: list[dict[str, Any]], comments: list[dict[str, Any]]) -> dict[str, Any]:
        """A revision answering the reviewer's last comment ("add the line ..."), then its checks."""
        comment = comments[-1]
        if not _ADD.search(str(comment.get("body") or "")):
            return _ending(self.goal, "A reviewer commented and a person should answer")
        steps = [
            plan_step(
                "push_revision",
                "answer the reviewer's comment",
                message="Revise as the review asks",
                comment_id=comment["comment_id"],
                files=self._files(_added(checks, comments, self.path)),
                **self._where(),
            ),
            plan_step("await_checks", "the checks of the revision", **self._where()),
            _then("ship it once its checks pass", "push_fix", "await_checks", "deploy_vercel"),
        ]
        return _plan(self.goal, steps)


def _ship(goal: str, repository: str, branch: str, sha: str, project: str) -> dict[str, Any]:
    """A preview of the branch, the merge of its checked head once the preview is ready, production
    from the merge, then its health check (which rolls production back when it fails)."""
    steps = [
        plan_step(
            "deploy_vercel", "a preview to look at", project=project, repository=repository, ref=branch
        ),
        plan_step(
            "merge_pull_request",
            "merge once the preview is ready and its smoke check passes",
            repository=repository,
            branch=branch,
            sha=sha,
            preview_project=project,
            preview_deployment="${steps.1.id}",
        ),
        plan_step(
            "deploy_vercel",
            "ship it",
            project=project,
            repository=repository,
            ref="${steps.2.merge_sha}",
            target="production",
        ),
        plan_step("await_deployment", "production built", project=project, deployment_id="${steps.3.id}"),
        plan_step(
            "check_production",
            "is production healthy",
            project=project,
            deployment_id="${steps.3.id}",
            path=HEALTH_PATH,
        ),
        plan_step(
            "finish", "done", summary="Merged ${steps.2.url} and shipped it: healthy ${steps.5.healthy}"
        ),
    ]
    return _plan(goal, steps)


def revision_plan(goal: str) -> dict[str, Any] | None:
    """A revision run's plan (decision 0127) when its quoted comment asks to add a line after a line
    it quotes in a file: that patch pushed on the branch (``push_revision``; code finds the quoted
    line once, or refuses). None: not a revision run. Any other comment ends the run, for a person."""
    head = _REVISE.search(goal)
    if head is None:
        return None
    number, repository, branch, comment_id = head.groups()
    asked = _ADD_AFTER.search(goal.split("\n<<<\n", 1)[-1])
    if asked is None:
        return _ending(goal, "The comment asks for something I cannot do offline; a person should answer it")
    line, after, path = asked.groups()
    edit = {"search": after, "replace": f"{after}\n{line}"}
    change = {"path": path, "why": "the reviewer asked for this line", "edits": [edit]}
    steps = [
        plan_step(
            "push_revision",
            "answer the comment on its branch",
            repository=repository,
            branch=branch,
            comment_id=int(comment_id),
            message="Revise as the review asks",
            files=[change],
        ),
        plan_step("finish", "done", summary=f"Revised #{number} on {branch}: ${{steps.1.head_sha}}"),
    ]
    return _plan(goal, steps)
