"""A released code run's log as the pipeline writes it (tests/integration/code drive the real one):
its pull request approved with its base kept, a failing check's output, its preview and production
deployments, the merge approved, and production rolled back after its health check. What the web
suite's code view flows seed into the stack's Firestore (tests/web/code/test_console_code.py)."""

from datetime import UTC, datetime
from typing import Any

from shared.runs.domain.events import (
    HumanRequested,
    HumanResponded,
    PlannedStep,
    RunEvent,
    RunFinished,
    RunPlanned,
    RunStatus,
    ToolResult,
)

BASE = "".join(f"def f{n}():\n    return {n}  # number {n}\n" for n in range(1, 21))
CHANGED = BASE.replace("    return 10  # number 10\n", '    return "ten"  # now a word\n')
FILES = [{"path": "src/app.py", "content": CHANGED}]
PLAN = [
    ("open_pull_request", {"repository": "acme/site", "title": "Ten as a word", "files": FILES}),
    ("await_checks", {"repository": "acme/site", "branch": "agent/t-r-1-1"}),
    ("deploy_vercel", {"project": "site", "repository": "acme/site", "ref": "agent/t-r-1-1"}),
    ("await_deployment", {"project": "site", "deployment_id": "dpl_preview1"}),
    (
        "merge_pull_request",
        {
            "repository": "acme/site",
            "branch": "agent/t-r-1-1",
            "sha": "a" * 40,
            "preview_project": "site",
            "preview_deployment": "dpl_preview1",
        },
    ),
    (
        "deploy_vercel",
        {"project": "site", "repository": "acme/site", "ref": "b" * 40, "target": "production"},
    ),
    ("check_production", {"project": "site", "deployment_id": "dpl_prod2", "path": "/api/health"}),
]
FAILING_OUTPUT = "FAILED tests/test_app.py::test_f10 - assert 'ten' == 10"
PREVIEW_URL = "https://site-preview1.vercel.app"


ROLLED_BACK = (
    "Rolled back: production of site failed its health check on dpl_prod2 (it answered 500) and serves "
    "dpl_prod1 again. The change is merged but not live."
)


def code_run_log(at: datetime | None = None, *, healthy: bool = False) -> list[RunEvent]:
    """The log, each event at ``at`` (now by default); production rolled back unless ``healthy``."""
    at = at or datetime.now(UTC)
    seq = iter(range(1, 100))
    plan = [PlannedStep(tool=t, args=a) for t, a in PLAN]

    def result(step: int, output: dict[str, Any]) -> ToolResult:
        tool, args = PLAN[step - 1]
        return ToolResult(seq=next(seq), at=at, step=step, tool=tool, args=args, output=output)

    def asked(step: int, prompt: str, **kept: Any) -> list[RunEvent]:
        request_id = f"effect-{step}-{step}"
        call = PLAN[step - 1][1]
        return [
            HumanRequested(
                seq=next(seq),
                at=at,
                request_id=request_id,
                step=step,
                purpose="approval",
                prompt=prompt,
                effects=(f"d{step}",),
                call=call,
                **kept,
            ),
            HumanResponded(seq=next(seq), at=at, request_id=request_id, decision="approve", by="Ada"),
        ]

    health: dict[str, Any] = {"healthy": True, "status": 200}
    status, summary = RunStatus.COMPLETED, "Shipped"
    if not healthy:
        health = {"healthy": False, "status": 500, "rolled_back_to": "dpl_prod1"}
        status, summary = RunStatus.ROLLED_BACK, ROLLED_BACK
    pull = {"repository": "acme/site", "number": 12, "url": "https://github.com/acme/site/pull/12"}
    return [
        RunPlanned(
            seq=next(seq), at=at, goal="Ten as a word", trigger="api", steps=plan, tools=[t for t, _ in PLAN]
        ),
        *asked(1, "Approve the pull request to acme/site?", before={"src/app.py": BASE}),
        result(1, pull | {"branch": "agent/t-r-1-1", "head_sha": "a" * 40}),
        result(
            2,
            {
                "state": "failure",
                "checks": [{"name": "tests", "state": "failure"}, {"name": "lint", "state": "success"}],
                "failing": [{"name": "tests", "output": FAILING_OUTPUT}],
            },
        ),
        *asked(3, "Approve the preview deployment?"),
        result(3, {"id": "dpl_preview1", "url": PREVIEW_URL, "state": "QUEUED", "target": "preview"}),
        result(4, {"id": "dpl_preview1", "url": PREVIEW_URL, "state": "READY", "target": "preview"}),
        *asked(5, "Merge pull request #12 at aaaaaaaaaaaa? Its preview is READY."),
        result(5, pull | {"sha": "a" * 40, "merged": True, "merge_sha": "b" * 40}),
        *asked(6, "Deploy to production?"),
        result(
            6, {"id": "dpl_prod2", "url": "https://site.example", "state": "READY", "target": "production"}
        ),
        result(7, {"deployment_id": "dpl_prod2", "project": "site", "url": "https://site.example"} | health),
        RunFinished(seq=next(seq), at=at, status=status, summary=summary),
    ]


def waiting_merge_log(at: datetime | None = None) -> list[RunEvent]:
    """The same run stopped at its merge's request, the owner not yet asked to decide: up to step 5's
    ``HumanRequested``, nothing after it. Its effect's digest is a production one (``prod:``), as a
    merge's is."""
    events = code_run_log(at)
    asked = next(i for i, e in enumerate(events) if isinstance(e, HumanRequested) and e.step == 5)
    merge = events[asked]
    assert isinstance(merge, HumanRequested)
    return [*events[:asked], merge.model_copy(update={"effects": ("prod:" + "3" * 40,)})]
