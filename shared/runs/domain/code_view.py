"""A code run as the console's code view shows it, read from the run's log only.

Its change file by file (a line diff of each file the run wrote against its base as its approval read
it), its checks with their compact output, its preview and production deployments, its merge and the
approvals of each. Pure: the caller gives the events. Why: docs/decisions/0118.
"""

import difflib
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from shared.code.domain.patches import Edit, apply_edits
from shared.platform.domain.schema import Schema
from shared.runs.domain.events import HumanRequested, HumanResponded, RunEvent, ToolResult

PUSHES = ("open_pull_request", "push_fix", "push_revision")  # the tools whose files make the change
CODE_TOOLS = (
    *PUSHES,
    "await_checks",
    "deploy_vercel",
    "await_deployment",
    "merge_pull_request",
    "check_production",
)
MAX_LINES = 5_000  # of one file's diff; past it the view says it was cut
LANGUAGES = {
    "py": "python",
    "ts": "typescript",
    "tsx": "typescript",
    "js": "javascript",
    "jsx": "javascript",
    "mjs": "javascript",
    "json": "json",
    "css": "css",
    "html": "html",
    "md": "markdown",
    "yml": "yaml",
    "yaml": "yaml",
    "toml": "toml",
    "sh": "shell",
    "go": "go",
    "rs": "rust",
}


class DiffLine(Schema):
    """One line of a file's diff: kept (`` ``), added (``+``) or removed (``-``), with its numbers."""

    op: Literal[" ", "+", "-"]
    old: int | None = Field(description="its number in the base; null for an added line")
    new: int | None = Field(description="its number in the change; null for a removed line")
    text: str


class FileDiff(Schema):
    path: str
    status: Literal["added", "modified"]
    language: str = Field(
        description="the language its extension names (python, typescript, ...); empty: plain text"
    )
    base_known: bool = Field(
        description="false: its base was not kept with the request, every line shows as added"
    )
    additions: int
    deletions: int
    cut: bool = Field(description="true: longer than the view shows, only its first lines are here")
    lines: list[DiffLine]


class CheckView(Schema):
    name: str
    state: str = Field(description="success, failure or pending")
    output: str = Field(description="a failing check's compact output; empty otherwise")


class DeploymentView(Schema):
    step: int
    target: str = Field(description="preview or production")
    id: str
    url: str
    state: str = Field(
        description="Vercel's readyState as the run last saw it: READY once its merge found the preview "
        "ready or its health check production serving; ROLLED_BACK: production failed its health check "
        "and was promoted back from it"
    )


class ApprovalView(Schema):
    step: int
    tool: str
    request_id: str
    prompt: str
    decision: str = Field(description="approve, reject, or empty while the owner has not decided")
    by: str


class CodeView(Schema):
    """What ``GET /runs/<run_id>/code`` answers: empty lists for a run that touched no code."""

    repository: str
    pull_request: dict[str, Any] | None = Field(
        description="number, url, branch, head_sha; null: none opened"
    )
    files: list[FileDiff]
    checks: list[CheckView]
    checks_state: str = Field(description="the last look at the checks: success, failure, timed_out or empty")
    deployments: list[DeploymentView]
    merge: dict[str, Any] | None = Field(
        description="merged, merge_sha and, merged by the policy, without_asking"
    )
    production: dict[str, Any] | None = Field(description="the health check: healthy, status, rolled_back_to")
    approvals: list[ApprovalView]


def language(path: str) -> str:
    """The language a file's extension names (what the console highlights it as); "" when unknown."""
    name = path.rsplit("/", 1)[-1]
    return LANGUAGES.get(name.rsplit(".", 1)[-1].lower(), "") if "." in name else ""


def diff_lines(before: str | None, after: str) -> tuple[list[DiffLine], int, int]:
    """Every line of ``after`` against ``before`` (None: a new file), kept lines included (the
    console folds them), with the counts of added and removed lines."""
    old, new = (before or "").splitlines(), after.splitlines()
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [
                DiffLine(op=" ", old=i + 1, new=j + 1, text=new[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        out += [DiffLine(op="-", old=i + 1, new=None, text=old[i]) for i in range(i1, i2)]
        out += [DiffLine(op="+", old=None, new=j + 1, text=new[j]) for j in range(j1, j2)]
    return out, sum(1 for x in out if x.op == "+"), sum(1 for x in out if x.op == "-")


def _files(results: list[ToolResult], bases: dict[str, str | None]) -> list[FileDiff]:
    """The change as it stands: each path's last content the run pushed, against the base its first
    request kept (``bases``; a path it never kept shows every line added)."""
    latest: dict[str, str] = {}
    for result in results:
        for file in result.args.get("files") or []:
            if isinstance(file, dict) and isinstance(file.get("path"), str):
                latest[file["path"]] = str(file.get("content", ""))
    return [_file_diff(path, bases, content) for path, content in latest.items()]


def _file_diff(path: str, bases: dict[str, str | None], content: str) -> FileDiff:
    """``path`` as ``content`` against its base in ``bases`` (absent: every line shows as added)."""
    lines, added, removed = diff_lines(bases.get(path), content)
    counts = {"additions": added, "deletions": removed, "cut": len(lines) > MAX_LINES}
    status = "modified" if bases.get(path) is not None else "added"
    shown = {"path": path, "status": status, "language": language(path), "base_known": path in bases}
    return FileDiff.model_validate(shown | counts | {"lines": lines[:MAX_LINES]})


def _latest_states(deployments: dict[str, "DeploymentView"], results: list[ToolResult]) -> None:
    """Each deployment's state as the run last knew it, not as its first look saw it. A preview its
    merge checked is READY (code refuses a merge before), production its health check reached is
    READY, or ROLLED_BACK when that check promoted the one before back."""
    for e in results:
        if e.tool == "merge_pull_request" and e.output.get("merged"):
            seen, state = e.args.get("preview_deployment"), "READY"
        elif e.tool == "check_production":
            seen = e.output.get("deployment_id") or e.args.get("deployment_id")
            state = "ROLLED_BACK" if e.output.get("rolled_back_to") else "READY"
        else:
            continue
        if str(seen or "") in deployments:
            deployments[str(seen)] = deployments[str(seen)].model_copy(update={"state": state})


def code_view(log: Sequence[RunEvent], tools: dict[int, str]) -> CodeView:
    """The code view of a run from its events (see the module's doc); ``tools``: each planned step's
    tool (a request waiting has no result yet to name it)."""
    results = [e for e in log if isinstance(e, ToolResult) and e.tool in CODE_TOOLS]
    asked = [
        e for e in log if isinstance(e, HumanRequested) and e.purpose == "approval" and e.call is not None
    ]
    answers = {e.request_id: e for e in log if isinstance(e, HumanResponded)}
    bases: dict[str, str | None] = {}
    for request in asked:
        for path, text in (request.before or {}).items():
            bases.setdefault(path, text)
    pushes = [e for e in results if e.tool in PUSHES]
    opened = next((e.output for e in pushes if e.tool == "open_pull_request"), None)
    head = pushes[-1].output.get("head_sha") if pushes else None
    pull = (
        None
        if opened is None
        else {k: opened.get(k) for k in ("number", "url", "branch")} | {"head_sha": head}
    )
    checked = [e.output for e in results if e.tool == "await_checks"]
    last = checked[-1] if checked else {}
    outputs = {c.get("name"): c.get("output", "") for c in last.get("failing") or []}
    checks = [
        CheckView(
            name=str(c.get("name")), state=str(c.get("state")), output=str(outputs.get(c.get("name"), ""))
        )
        for c in last.get("checks") or []
    ]
    deployments: dict[str, DeploymentView] = {}
    for e in results:
        if e.tool in ("deploy_vercel", "await_deployment") and e.output.get("id"):
            o = e.output
            seen = deployments.get(str(o["id"]))
            target = str(o.get("target") or (seen.target if seen else "preview"))
            step = seen.step if seen else e.step
            url = str(o.get("url") or "")
            deployments[str(o["id"])] = DeploymentView(
                step=step, target=target, id=str(o["id"]), url=url, state=str(o.get("state", ""))
            )
    merged = next((e.output for e in results if e.tool == "merge_pull_request"), None)
    health = next((e.output for e in reversed(results) if e.tool == "check_production"), None)
    _latest_states(deployments, results)
    approvals = []
    for request in asked:
        answer, tool = answers.get(request.request_id), tools.get(int(request.step), "")
        if tool not in CODE_TOOLS:
            continue
        approvals.append(
            ApprovalView(
                step=int(request.step),
                tool=tool,
                request_id=request.request_id,
                prompt=request.prompt,
                decision=answer.decision if answer else "",
                by=answer.by if answer else "",
            )
        )
    return CodeView(
        repository=str(
            (opened or {}).get("repository") or (pushes[0].args.get("repository") if pushes else "")
        ),
        pull_request=pull,
        files=_files(pushes, bases),
        checks=checks,
        checks_state=str(last.get("state", "")),
        deployments=list(deployments.values()),
        merge=merged,
        production=health,
        approvals=approvals,
    )


class ApprovalChange(Schema):
    """A code change a request asks to approve, as the code view shows a change:
    what it does in words, and each file's diff against the base its request read."""

    words: str = Field(description="What approving it lets happen, in words, with no digest")
    files: list[FileDiff] = Field(description="A push's files, each with its diff; empty for another effect")


def _short(ref: str) -> str:
    """A branch as it is; a full commit sha as git shows one, "commit 1a2b3c4"."""
    return f"commit {ref[:7]}" if re.fullmatch(r"[0-9a-f]{40}", ref) else f"the branch {ref}"


def _pushed(file: dict[str, Any], before: str | None) -> str | None:
    """A pushed file's content: its ``content``, or its hunks applied to ``before`` (None: unknown)."""
    if not file.get("edits"):
        return str(file.get("content") or "")
    if before is None:
        return None
    try:
        return apply_edits(str(file.get("path", "")), before, [Edit.model_validate(e) for e in file["edits"]])
    except ValueError:
        return None


def approval_change(request: HumanRequested, tool: str) -> ApprovalChange | None:
    """The code change ``request`` (an effect's, asked for at the step of ``tool``) asks to approve:
    its words and, for a push, its files diffed against the base the request kept (``before``). A file
    it did not keep shows every line added, as the code view's. None: not a code effect's request."""
    call = request.call or {}
    if request.purpose != "approval" or not call or tool not in (*CODE_TOOLS, "roll_back_production"):
        return None
    repository = str(call.get("repository", ""))
    files = [f for f in call.get("files") or [] if isinstance(f, dict) and isinstance(f.get("path"), str)]
    count = f"{len(files)} file{'' if len(files) == 1 else 's'}"
    if tool == "open_pull_request":
        base = str(call.get("base") or "") or "its default branch"
        words = (
            f"Opens a pull request “{call.get('title', '')}” in {repository} into {base}, changing {count}."
        )
    elif tool in ("push_fix", "push_revision"):
        what = "a fix" if tool == "push_fix" else "the revision a reviewer asked for"
        words = f"Pushes {what} to {_short(str(call.get('branch', '')))} of {repository}, changing {count}."
    elif tool == "merge_pull_request":
        words = (
            f"Merges the pull request from {_short(str(call.get('branch', '')))} into its base in {repository}, "
            "squashed into one commit, at the commit its checks and preview were read at."
        )
    elif tool == "deploy_vercel":
        where = "production" if call.get("target") == "production" else "a preview"
        words = (
            f"Deploys {_short(str(call.get('ref', '')))} of {repository} to {where} of the Vercel project "
            f"{call.get('project', '')}."
        )
    elif tool == "roll_back_production":
        words = (
            f"Rolls production of the Vercel project {call.get('project', '')} back to the deployment before "
            f"{call.get('deployment_id', '')}, which it served before."
        )
    else:
        words = f"{tool.replace('_', ' ').capitalize()} in {repository}."
    bases = request.before or {}
    pushed = [(str(f["path"]), _pushed(f, bases.get(str(f["path"])))) for f in files]
    shown = [_file_diff(path, bases, content) for path, content in pushed if content is not None]
    return ApprovalChange(words=words, files=shown)
