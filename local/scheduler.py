"""Cloud Scheduler on ``make stack``: the jobs of terraform/scheduler.tf called as Cloud Scheduler
calls them, a POST with an OIDC ID token of the scheduler's account for the function's URL (minted as
the tasks emulator mints its tokens), at the minutes their cron says: the hourly planning tick
(``/schedule``: routines, the daily plan and digest, the nightly reconcile), the sweep of stalled runs,
the renewal of Gmail's watches (``/mail-watches``), the calendar's tick (``/calendar/tick``). Nothing
is called at start: ``/schedule`` takes the nearest whole hour as its tick (a call at :36 would plan
the next hour's routines early); the first tick at the hour catches up the ticks missed since the last
one (up to 6 hours, ``CATCH_UP``). The doctor's job is left out: ``make doctor`` does it by hand."""

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import requests

from local.tasks_emulator._oidc import mint_id_token
from shared.platform.topology import Target

log = logging.getLogger("local.scheduler")
MINUTE = timedelta(minutes=1)


class Job(NamedTuple):
    name: str  # terraform/scheduler.tf's key
    target: Target
    path: str
    every_minutes: int  # its cron's minute field: "0 * * * *" is 60, "*/5 * * * *" is 5

    def due(self, minute: datetime) -> bool:
        """Whether the job's cron fires at ``minute`` (UTC, whole minutes)."""
        return (minute.hour * 60 + minute.minute) % self.every_minutes == 0

    @property
    def cron(self) -> str:
        """Its schedule as terraform/scheduler.tf writes it."""
        return "0 * * * *" if self.every_minutes == 60 else f"*/{self.every_minutes} * * * *"


JOBS = (
    Job("plan-daily-fanout", Target.PLAN, "/schedule", 60),
    Job("sweep-stalled-runs", Target.EXECUTE_STEP, "/sweep", 5),
    Job("renew-mail-watches", Target.PLAN, "/mail-watches", 60),
    Job("calendar-tick", Target.PLAN, "/calendar/tick", 5),
)


def due_between(after: datetime, until: datetime, jobs: tuple[Job, ...] = JOBS) -> list[Job]:
    """The jobs whose cron fires at a whole minute in (``after``, ``until``], each once."""
    minute = after.replace(second=0, microsecond=0) + MINUTE
    due: list[Job] = []
    while minute <= until:
        due += [job for job in jobs if job.due(minute) and job not in due]
        minute += MINUTE
    return due


class Last(NamedTuple):
    """A job's last call: when it began, the status it answered (0: unreachable), its body's start."""

    at: datetime
    status: int
    said: str


type Post = Callable[[str, dict[str, str]], tuple[int, str]]  # (status, the start of its body)
SAID_CHARS = 300  # of a job's answer, kept to show on the screen (local/scheduler_screen.py)


def _post(url: str, headers: dict[str, str]) -> tuple[int, str]:
    answer = requests.post(url, json={}, headers=headers, timeout=330)
    return answer.status_code, answer.text[:SAID_CHARS]


class LocalScheduler:
    """Calls ``jobs`` on the functions at ``url_of(target)`` as their cron says, in a daemon thread,
    until :meth:`stop`. ``account``: the scheduler's service account the tokens assert."""

    def __init__(
        self,
        url_of: Callable[[Target], str],
        account: str,
        jobs: tuple[Job, ...] = JOBS,
        post: Post = _post,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.url_of, self.account, self.jobs, self.post, self.clock = url_of, account, jobs, post, clock
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="local-scheduler", daemon=True)
        self.fired: list[tuple[str, int]] = []  # (job, the status it answered), in order
        self.last: dict[str, Last] = {}  # each job's last call

    def fire(self, job: Job) -> int:
        """One call of ``job``, as Cloud Scheduler makes it; the status it answered (0: unreachable)."""
        at, url = self.clock(), self.url_of(job.target)
        token = mint_id_token(self.account, url)
        try:
            status, said = self.post(url + job.path, {"Authorization": f"Bearer {token}"})
        except requests.RequestException:
            status, said = 0, ""
        if not 200 <= status < 300:  # Cloud Scheduler's success: any 2xx
            log.warning(
                "scheduler: %s answered %s (Cloud Scheduler would retry at its next tick)", job.name, status
            )
        self.fired.append((job.name, status))
        self.last[job.name] = Last(at, status, said[:SAID_CHARS])
        return status

    def start(self) -> "LocalScheduler":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        last = self.clock()
        while not self.stopping.wait(max(1.0, 60.0 - self.clock().second)):
            now = self.clock()
            for job in due_between(last, now, self.jobs):
                self.fire(job)
            last = now
