"""Cloud Scheduler's jobs page on ``make stack`` (``/_sandbox/scheduler/screen``, decision 0203): each
job of local/scheduler.py with its schedule, its target and what its last call answered, and per job
a "Force run" button, as Cloud Scheduler's console has: one call at once through
:meth:`LocalScheduler.fire`, with the scheduler account's token, its status shown. A job the stack does
not have is a 404 saying so, a form posted from another site's page a 403: nothing is called."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from local.gmail_sandbox.accounts import page
from local.scheduler import Job, LocalScheduler

PATH = "/_sandbox/scheduler/screen"


class Refused(Exception):
    """A Force run refused: ``status`` and the reason the screen shows."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _answered(status: int) -> str:
    return "unreachable" if status == 0 else f"HTTP {status}"


def _row(scheduler: LocalScheduler, job: Job) -> str:
    last = scheduler.last.get(job.name)
    when = f"{_answered(last.status)} at {last.at:%H:%M:%S} UTC" if last else "not run yet"
    return (
        f"<tr><th scope=row>{escape(job.name)}</th><td><code>{escape(job.cron)}</code></td>"
        f"<td>{escape(job.target.value)} <code>{escape(job.path)}</code></td><td>{escape(when)}</td>"
        f'<td><form method="post" action="{PATH}"><input type="hidden" name="job" value="{escape(job.name)}">'
        f'<button aria-label="Force run {escape(job.name)}">Force run</button></form></td></tr>'
    )


def screen(scheduler: LocalScheduler, said: str = "", status: int = 200) -> Response:
    """The jobs, what the last Force run did (``said``), as a page answered with ``status``."""
    rows = "".join(_row(scheduler, job) for job in scheduler.jobs)
    body = f"""<h1>Cloud Scheduler (local)</h1>
<p>The jobs of terraform/scheduler.tf, called at the minutes their cron says (UTC) with the scheduler
account's ID token. Force run calls one now, the same way.</p>
<p role="status">{escape(said)}</p>
<table aria-label="Jobs"><thead><tr><th scope=col>Name</th><th scope=col>Schedule</th>
<th scope=col>Target</th><th scope=col>Last run</th><th scope=col>Action</th></tr></thead>
<tbody>{rows}</tbody></table>"""
    return page("Cloud Scheduler (local)", body, status)


def force_run(scheduler: LocalScheduler, request: Request) -> str:
    """The form's job called once (:meth:`LocalScheduler.fire`): what the screen says of it; refused
    (:class:`Refused`, nothing called) from another site's page or for a job the stack lacks."""
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise Refused(403, "A form of another site may not run a job here.")
    name = request.form.get("job", "").strip()
    job = next((j for j in scheduler.jobs if j.name == name), None)
    if job is None:
        known = ", ".join(j.name for j in scheduler.jobs)
        raise Refused(404, f"No job named “{name[:80] or '(none)'}” here; the jobs are {known}.")
    status = scheduler.fire(job)
    said = scheduler.last[job.name].said
    return f"Force run of {job.name} ({job.target.value} {job.path}): it answered {_answered(status)}" + (
        f": {' '.join(said.split())}" if said else "."
    )


def app(scheduler: LocalScheduler) -> Any:
    """The screen's WSGI app: GET :data:`PATH` shows it, POST :data:`PATH` force-runs the form's job;
    any other path is a 404."""

    @Request.application
    def serve(request: Request) -> Response:
        if request.path != PATH:
            return Response(f"Not here: the jobs are at {PATH}", 404, mimetype="text/plain")
        if request.method != "POST":
            return screen(scheduler)
        try:
            return screen(scheduler, force_run(scheduler, request))
        except Refused as refused:
            return screen(scheduler, str(refused), refused.status)

    return serve
