"""``make stack``'s scheduler (local/scheduler.py) fires terraform/scheduler.tf's jobs at the minutes
their cron says, each with an OIDC token of the scheduler's account for the function's URL, and says
so when a call fails."""

import re
from datetime import UTC, datetime
from pathlib import Path

from local.scheduler import JOBS, LocalScheduler, due_between
from local.stack import SCHEDULER_SERVICE_ACCOUNT
from local.tasks_emulator._oidc import verify_id_token
from shared.platform.topology import Target

TERRAFORM = Path(__file__).parents[3] / "terraform" / "scheduler.tf"


def test_the_jobs_are_terraform_s_with_their_cron() -> None:
    text = TERRAFORM.read_text()
    for job in JOBS:
        block = text[text.index(f"{job.name} = {{") :]
        cron = re.search(r'schedule\s*=\s*"([^"]+)"', block)
        assert cron is not None
        minute = cron.group(1).split()[0]
        assert minute == ("0" if job.every_minutes == 60 else f"*/{job.every_minutes}"), job
        assert f'path   = "{job.path}"' in block[:300]


def test_each_job_is_due_at_its_minutes_once() -> None:
    at = datetime(2026, 11, 27, 7, 58, 30, tzinfo=UTC)
    assert [j.path for j in due_between(at, at.replace(minute=59, second=59))] == []
    assert [j.path for j in due_between(at, datetime(2026, 11, 27, 8, 0, 1, tzinfo=UTC))] == [
        "/schedule",
        "/sweep",
        "/mail-watches",
        "/calendar/tick",
    ]
    assert [j.path for j in due_between(at, datetime(2026, 11, 27, 8, 5, tzinfo=UTC))] == [
        "/schedule",
        "/sweep",
        "/mail-watches",
        "/calendar/tick",
    ]
    assert [
        j.path
        for j in due_between(
            datetime(2026, 11, 27, 8, 1, tzinfo=UTC), datetime(2026, 11, 27, 8, 5, tzinfo=UTC)
        )
    ] == ["/sweep", "/calendar/tick"]


def test_a_call_carries_the_scheduler_s_token_for_the_function_s_url() -> None:
    calls: list[tuple[str, dict[str, str]]] = []

    def post(url: str, headers: dict[str, str]) -> tuple[int, str]:
        calls.append((url, headers))
        return (200, "{}") if url.endswith("/schedule") else (503, "")

    scheduler = LocalScheduler(
        lambda t: f"http://127.0.0.1:1/{t.value}", SCHEDULER_SERVICE_ACCOUNT, post=post
    )
    assert [scheduler.fire(job) for job in JOBS] == [200, 503, 503, 503]
    url, headers = calls[0]
    assert url == f"http://127.0.0.1:1/{Target.PLAN.value}/schedule"
    claims = verify_id_token(
        headers["Authorization"].removeprefix("Bearer "), f"http://127.0.0.1:1/{Target.PLAN.value}"
    )
    assert claims["email"] == SCHEDULER_SERVICE_ACCOUNT
    assert scheduler.fired == [
        ("plan-daily-fanout", 200),
        ("sweep-stalled-runs", 503),
        ("renew-mail-watches", 503),
        ("calendar-tick", 503),
    ]
