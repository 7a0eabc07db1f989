"""``plan``: turn a trigger (a Cloud Tasks task) into a run and enqueue its first step.

Also the scheduled routes: ``POST /schedule`` (hourly) enqueues the daily plan and digest of every
tenant whose planning hour has come. ``POST /mail-watches`` (hourly) renews Gmail's watches, ``POST
/calendar/tick`` (every 5 minutes) renews calendars' channels and starts meetings' runs, ``POST
/doctor/round`` is ``make doctor``. ``POST /day-plan`` writes a day's plan page, ``POST /digest`` sends a
digest, ``POST /slack-ask`` and ``/mail-ask`` answer a thread's Ask. ``POST /sync`` mirrors a Linear or
GitLab issue or a Motion task and its Notion page, or scans for edited pages (shared.sync)."""

from flask import Request, Response

from functions._http import Reply, handle, parse_task, retry_count
from functions.tasks.caller import CALENDAR_TICK
from functions.tasks.doctor import doctor_round
from functions.tasks.entry import admit, take, take_routed
from shared import bootstrap
from shared.agents.domain.day_plan_task import DayPlanTask
from shared.agents.domain.digest_task import DigestTask
from shared.agents.domain.schedule_task import ScheduleTask
from shared.agents.services.daily_digest import send_digest
from shared.agents.services.daily_schedule import plan_due_tenants
from shared.agents.services.day_plan_page import DayMeetings, write_day_plan
from shared.bootstrap import Container
from shared.engine.planning.start import start_run
from shared.mail.domain.ask_task import MailAskTask
from shared.mail.domain.mailboxes import WATCHES_ROUTE
from shared.platform.domain.index_task import IndexTask, ReconcileTask
from shared.platform.topology import Queue, Target
from shared.runs.domain.plan_task import PlanTask
from shared.runs.services.deps import Deps
from shared.runs.services.notion_intake import task_taken
from shared.slack.domain.ask_task import SlackAskTask
from shared.sync.domain.sync_task import SyncTask

bootstrap.preload("store", "queue", "secrets", "tenants", "webhook_events", "notion", "model", "agents")


def plan(request: Request) -> Response:
    def call(c: Container) -> Reply:
        doctor = admit(request, c, Target.PLAN, with_model=True) or doctor_round(request, c)
        if (
            answer := doctor or _sync(request, c) or _watches(request, c) or _calendar_tick(request, c)
        ) is not None:
            return answer
        deps = c.engine()
        if (routed := _routed(request, c, deps)) is not None:
            return routed
        if request.path.rstrip("/") in (IndexTask.ROUTE, ReconcileTask.ROUTE):
            return _index(request, c, deps)
        if request.path.rstrip("/") == ScheduleTask.ROUTE:
            schedule = (
                parse_task(request, ScheduleTask, "schedule", c.platform.dead_letters)
                if request.get_data()
                else ScheduleTask()
            )
            return plan_due_tenants(schedule, deps).as_json(), 200
        task = take(request, PlanTask, Queue.PLAN, c)
        task_taken(task, c.workspace.webhook_events)  # its event's repeats now enqueue nothing
        last = retry_count(request) + 1 >= deps.settings.plan_max_attempts
        return {"run_id": task.run_id, "created": start_run(task, deps, last_attempt=last)}, 200

    return handle(request, ("POST",), call)


def _routed(request: Request, c: Container, deps: Deps) -> Reply | None:
    """A digest, a day's plan page or a Slack thread's or a mail's Ask; None for any other path."""
    if (digest := take_routed(request, DigestTask, "digest", c)) is not None:
        return {"sent": send_digest(digest, deps)}, 200
    if (day := take_routed(request, DayPlanTask, "day-plan", c)) is not None:
        return {"page": write_day_plan(day, deps, _meetings(c))}, 200
    if (ask := take_routed(request, SlackAskTask, "slack-ask", c)) is not None:
        from shared.slack.services.asks import answer_in_thread  # its Ask's modules: only when asked

        return answer_in_thread(ask, deps, c.sessions.sessions), 200
    if (asked := take_routed(request, MailAskTask, "mail-ask", c)) is not None:
        from shared.mail.services.asks import answer_in_thread as answer_mail  # only when asked by mail

        return answer_mail(asked, deps), 200
    return None


def _meetings(c: Container) -> DayMeetings | None:
    """The workspace's meetings for its day's plan, from people's calendars; None without calendars."""
    if not (c.settings.google_oauth_client_id and c.settings.calendar_push_address):
        return None
    from shared.calendar.services.triggers import day_meetings

    links = c.calendar.calendar_links
    return lambda tenant_id, start, end: day_meetings(links, tenant_id, start, end)


def _calendar_tick(request: Request, c: Container) -> Reply | None:
    """The calendar's tick (shared.calendar.services.triggers); None for any other path."""
    if request.path.rstrip("/") != CALENDAR_TICK:
        return None
    if not (c.settings.google_oauth_client_id and c.settings.calendar_push_address):
        return {"calendars": False}, 200  # none connected here: nothing to renew or start
    from shared.calendar.services.triggers import tick

    return tick(c.calendar_tick(), c.engine(with_model=False).clock()), 200


def _sync(request: Request, c: Container) -> Reply | None:
    """A sync task (Linear, GitLab or Motion and Notion kept in step: shared.sync); None for any other path."""
    if request.path.rstrip("/") != SyncTask.ROUTE:
        return None
    from shared.sync.services.mirror import run_gitlab_task, run_motion_task, run_sync_task

    task = take(request, SyncTask, "sync", c)
    if task.tool == "gitlab":
        return run_gitlab_task(task, c.sync.gitlab_mirroring()), 200
    if task.tool == "motion":
        return run_motion_task(task, c.sync.motion_mirroring()), 200
    return run_sync_task(task, c.sync.mirroring()), 200


def _watches(request: Request, c: Container) -> Reply | None:
    """Cloud Scheduler's hourly renewal of Gmail's watches (shared.mail.services.watches); None for
    any other path. Nothing to renew without the deployment's Google OAuth client."""
    if request.path.rstrip("/") != WATCHES_ROUTE:
        return None
    if not c.settings.google_oauth_client_id:
        return {"mailboxes": 0, "renewed": 0, "failed": 0}, 200
    from shared.mail.services.watches import renew_watches

    return renew_watches(c.mail.mailboxes, c.mail.gmail, c.platform.secrets, c.platform.queue), 200


def _index(request: Request, c: Container, deps: Deps) -> Reply:
    """The workspace index's tasks (docs/memory.md): a page indexed again, or a tenant's reconcile."""
    from shared.memory.services.workspace_index import run_index_task, run_reconcile_task

    if (task := take_routed(request, IndexTask, "index", c)) is not None:
        return run_index_task(task, deps), 200
    return run_reconcile_task(take(request, ReconcileTask, "reconcile", c), deps), 200
