"""A run's log with a reviewer pass on its write, as the engine records it: the reviewer first asks
to revise the comment, then passes the revised one, and the comment is written. What the web suite's
flow of review events seeds into the stack's Firestore (tests/web/runs/test_console_checker_events.py)."""

import os
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from shared.runs.domain.events import (
    PlannedStep,
    ReviewRecorded,
    RunEvent,
    RunFinished,
    RunPlanned,
    RunStatus,
    ToolResult,
)

REVISE = "the comment names no date for the launch"
PASSED = "names the date and the owner"
ARGS = {"page_id": "0" * 32, "text": "The launch is on 2026-12-01; Ada owns it."}


def checked_run_log(at: datetime | None = None) -> list[RunEvent]:
    """The log, each event at ``at`` (now by default)."""
    at = at or datetime.now(UTC)
    step = PlannedStep(tool="add_comment", args=ARGS)
    return [
        RunPlanned(
            seq=1, at=at, goal="Comment on the launch", trigger="api", steps=[step], tools=["add_comment"]
        ),
        ReviewRecorded(
            seq=2, at=at, step=1, tool="add_comment", passed=False, reasons=REVISE, model="checker"
        ),
        ReviewRecorded(
            seq=3, at=at, step=1, tool="add_comment", passed=True, reasons=PASSED, model="checker"
        ),
        ToolResult(seq=4, at=at, step=1, tool="add_comment", args=ARGS, output={"id": "c1"}),
        RunFinished(seq=5, at=at, status=RunStatus.COMPLETED, summary="Commented on the launch"),
    ]


def stack_run_store(firestore_port: int, project: str) -> Any:
    """The run store of a local stack's Firestore emulator (what a seeding flow writes a log into)."""
    from google.cloud import firestore

    from shared.runs.adapters.firestore_store import FirestoreRunStore

    with mock.patch.dict(os.environ, {"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{firestore_port}"}):
        return FirestoreRunStore(firestore.Client(project=project))
