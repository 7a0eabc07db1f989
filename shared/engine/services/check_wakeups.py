"""GitHub's deliveries of a pull request's checks and comments. A signed
``check_run`` or ``status`` delivery wakes the run whose ``await_checks`` waits on that branch, before its
scheduled look. An ``issue_comment`` or ``pull_request_review_comment`` on a run's pull request wakes its
``await_review``; a bot's comment wakes nothing, and the woken step judges by the repository's policy whose
comment counts. Polling (the scheduled retry) stays the fallback. Each delivery's signature over the raw
body is checked with the workspace's own secret, drawn and kept (decision 0139). It is recorded once by
its ``X-GitHub-Delivery`` GUID and turned into at most one woken step task per run, named from the run's
log: duplicates and reordered deliveries add nothing. Nothing here acts on GitHub."""

from __future__ import annotations

import re
import secrets as random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from shared.code.domain import github_events, revisions
from shared.engine.services import revision_starts
from shared.platform.errors import InvalidInput, NotFound, Unauthenticated
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.workspace.domain.integrations import github_hook_secret
from shared.workspace.domain.tenants import EventSeen, tenant_tag

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.runs.ports import RunStore
    from shared.runs.services.deps import Deps
    from shared.workspace.ports import WebhookEventLedger

KEEP = timedelta(days=3)  # GitHub may redeliver for three days
_GUID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")  # a GUID; it names a document (decision 0004)


class CheckWakeups(NamedTuple):
    runs: RunStore
    ledger: WebhookEventLedger
    queue: TaskQueue
    secrets: SecretStore  # each workspace's webhook secret (github_hook_secret)
    # The engine's deps, built on first use: a revision's agent and budgets are checked (decision 0131).
    engine: Callable[[], Deps] | None = None


def receive(deps: CheckWakeups, tenant_id: str, headers: dict[str, str], body: bytes, now: datetime) -> str:
    """``woken: <runs>``, ``revising: <run>`` (:mod:`revision_starts`), ``duplicate``, or ``ignored``
    (another event, or no run waits on it). Nothing is recorded for a refusal: Unauthenticated (401)
    for a bad or missing signature, InvalidInput (400) for a body that is not the event it says or no
    delivery id. NotFound (404) when the workspace has no webhook secret: never asked for, or erased."""
    try:
        # Fresh: an instance's cache must not keep taking deliveries of a workspace erased meanwhile.
        secret = deps.secrets.get(github_hook_secret(tenant_id), fresh=True)
    except NotFound:
        raise NotFound(
            "no GitHub webhook for this workspace: its owner sets it up from GET /github/webhook"
        ) from None
    if not github_events.signature_ok(secret, body, headers.get(github_events.SIGNATURE_HEADER)):
        raise Unauthenticated("the delivery's X-Hub-Signature-256 does not match its body")
    guid, event = headers.get(github_events.DELIVERY_HEADER, ""), headers.get(github_events.EVENT_HEADER, "")
    if not _GUID.fullmatch(guid):
        raise InvalidInput(
            "a GitHub delivery carries its X-GitHub-Delivery id (1 to 100 letters, digits, '-')"
        )
    try:
        done = github_events.checks_done(event, body)
        comment = github_events.comment_made(event, body)
        ask = revisions.review_ask(event, body)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    record = deps.ledger.record(tenant_id, f"github-{guid}", EventSeen(f"github:{event}", now, now + KEEP))
    if not record.created:
        return "duplicate"
    if (
        comment is not None
        and not comment.bot
        and (answer := _commented(deps, tenant_id, comment)) != "ignored"
    ):
        return answer
    if ask is not None:  # no run waits on it: a writer's comment on a completed run's pull request
        engine = deps.engine() if deps.engine is not None else None
        return revision_starts.from_github(deps.runs, deps.queue, tenant_id, ask, engine)
    if done is None:
        return "ignored"
    woken = [run for branch in done.branches if (run := _wake(deps, tenant_id, branch, done, guid))]
    return f"woken: {', '.join(woken)}" if woken else "ignored"


def webhook_secret(secrets: SecretStore, tenant_id: str) -> str:
    """The workspace's GitHub webhook secret, drawn at random (256 bits) and kept the first time it is
    asked for; the same one after."""
    name = github_hook_secret(tenant_id)
    try:
        return secrets.get(name, fresh=True)
    except NotFound:
        drawn = random.token_hex(32)
        secrets.put(name, drawn)
        return drawn


def _wake(
    deps: CheckWakeups, tenant_id: str, branch: str, done: github_events.ChecksDone, guid: str
) -> str | None:
    """Enqueue the woken step of the run that waits on ``branch``'s checks, if one does."""
    run_id = github_events.run_of(branch, tenant_tag(tenant_id))
    return run_id if run_id and _wake_step(deps, tenant_id, run_id, "await_checks", done.repository) else None


def wake_checks(deps: CheckWakeups, tenant_id: str, repository: str, branch: str) -> list[str]:
    """The run waiting on ``branch``'s checks in ``repository`` woken (its id), if one waits: what a
    GitLab pipeline delivery does once the intake checked it (decision 0126)."""
    run_id = github_events.run_of(branch, tenant_tag(tenant_id))
    return [run_id] if run_id and _wake_step(deps, tenant_id, run_id, "await_checks", repository) else []


def _wake_step(deps: CheckWakeups, tenant_id: str, run_id: str, tool: str, repository: str) -> bool:
    """Enqueue the woken step of run ``run_id`` if its current step is ``tool`` waiting (a scheduled
    retry) on ``repository``; named per look (``...:woken:<what>``), so a repeat is refused."""
    run = deps.runs.get_run(tenant_id, run_id)
    if run is None:
        return False
    state = run.state
    if (
        state.status != RunStatus.RUNNING
        or state.retry_at is None
        or not 0 < state.cursor <= len(state.steps)
    ):
        return False
    step = state.current_step()
    if step.tool != tool or step.args.get("repository") != repository:
        return False
    task = StepTask(tenant_id=tenant_id, run_id=run_id, step=state.cursor, woken=True)
    what = "checks" if tool == "await_checks" else "review"
    name = f"step:{tenant_id}:{run_id}:{state.cursor}:{state.last_seq}:woken:{what}"
    deps.queue.enqueue(Queue.DEPLOY, task, name)  # one per look: a duplicate name is refused
    return True


def _commented(deps: CheckWakeups, tenant_id: str, comment: github_events.CommentMade) -> str:
    """Wake the run whose ``await_review`` waits on the commented pull request: found by the key its
    description names, or by its branch."""
    tag = tenant_tag(tenant_id)
    runs = {run for ref in comment.refs if (run := github_events.run_of_ref(ref, tag))}
    runs |= {run for branch in comment.branches if (run := github_events.run_of(branch, tag))}
    woken = [
        run for run in sorted(runs) if _wake_step(deps, tenant_id, run, "await_review", comment.repository)
    ]
    return f"woken: {', '.join(woken)}" if woken else "ignored"
