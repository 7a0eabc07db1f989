"""``make doctor``: one real task through each queue and one model call to each model family on a
deployment, each hop recorded for the operator's tool (tools/doctor.py; docs/monitoring.md, 0050).
Each task function checks its caller and records its hop. Plan also calls each model family in use
(Gemini, and Claude, the fallback): a call only the other family answered fails the family asked.
On a schedule, :func:`scheduled_round` logs ``doctor_hop_failed`` per failed hop of the last check,
then starts the next and logs ``doctor_round``. No tenant is touched, no run started. Only a
"doctor" token signed with the session-signing key opens the routes; records keep no client message.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.platform.domain.doctor_task import DoctorTask
from shared.platform.errors import AgentError, Unauthenticated
from shared.platform.topology import Queue

if TYPE_CHECKING:
    from shared.platform.config import Settings
    from shared.platform.ports import DoctorChecks, Model, SecretStore, TaskQueue

PURPOSE = "doctor"
SCHEME = "Doctor"  # Authorization: Doctor <token>
TOKEN_TTL_S = 600.0  # long enough for a check and its polls, short enough to be worthless later
KEEP = timedelta(days=1)  # a check's record, then its TTL removes it
# A scheduled check is judged from this long after it started: a hop answers within seconds, one
# its queue retried within minutes; the next round (15 minutes later, terraform/scheduler.tf) judges it.
ROUND_GRACE = timedelta(minutes=10)

log = logging.getLogger(__name__)
# The model call: a prompt whose answer is a short draft (the offline model answers it from the
# context block, Gemini from the words). Nothing of a workspace is in it.
MODEL_PROMPT = (
    "This is a health check of the deployment. Draft the single word OK as the text, nothing else.\n"
    '```json\n{"goal": "health check", "instructions": "- OK"}\n```'
)
# The hop's record of each family's call: Gemini's keeps the name it always had.
FAMILY_KEYS = {"gemini": "model", "claude": "model_claude"}


def operator_token(secrets: SecretStore, ttl_s: float = TOKEN_TTL_S) -> str:
    """A token for the doctor's routes, signed with the deployment's session-signing key."""
    key = secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    return signed_tokens.sign({"purpose": PURPOSE}, key, ttl_s)


def check_operator(authorization: str, secrets: SecretStore) -> None:
    """Return if ``authorization`` is ``Doctor <token>`` with a genuine, unexpired doctor token;
    Unauthenticated (401) otherwise. A session or another token's purpose is refused."""
    scheme, _, token = authorization.partition(" ")
    if scheme != SCHEME or not token.strip():
        raise Unauthenticated(
            f"the doctor's routes need an operator's token (Authorization: {SCHEME} <token>)"
        )
    signed_tokens.verify(token.strip(), secrets.get(PlatformSecret.SESSION_SIGNING_KEY), PURPOSE)


def _error(exc: Exception) -> str:
    """What an error may say in a record: our own reason, else only its class (a client library's
    message may name more than an operator's screen should show)."""
    if isinstance(exc, AgentError):
        return f"{type(exc).__name__}: {exc.reason}"[:300]
    return type(exc).__name__


def new_record(started: datetime) -> dict[str, Any]:
    """A new check's record: nothing sent yet, removed by TTL at ``expires_at``."""
    return {"started_at": started, "expires_at": started + KEEP, "sent": {}}


def start_check(
    queue: TaskQueue,
    checks: DoctorChecks,
    now: datetime | None = None,
    judge_after: datetime | None = None,
) -> dict[str, Any]:
    """Record a new check and send one doctor task through every queue; the check's view. With
    ``judge_after`` (a scheduled check) a later round judges it from that time."""
    check_id = uuid.uuid4().hex
    started = now or datetime.now(UTC)
    checks.begin(check_id, new_record(started) | ({"judge_after": judge_after} if judge_after else {}))
    sent: dict[str, Any] = {}
    for q in Queue:
        at = datetime.now(UTC)
        clock = time.monotonic()
        record: dict[str, Any] = {"sent_at": at, "task": f"doctor:{check_id}:{q.value}"}
        try:
            queue.enqueue(q, DoctorTask(check_id=check_id, queue=q.value), record["task"])
        except Exception as exc:  # reported to the operator, the other queues still tried
            record["error"] = _error(exc)
        record["enqueue_ms"] = round((time.monotonic() - clock) * 1000)
        sent[q.value] = record
    checks.record_sent(check_id, sent)
    return view(check_id, {"started_at": started, "sent": sent, "hops": {}})


def families_of(settings: Settings) -> tuple[str, ...]:
    """The model families a deployment may call, which the doctor checks: Gemini, and Claude when
    it is the fallback (``NA_MODEL_FALLBACK``, the default), a route or the other reviewer."""
    s = settings
    claude = s.model_fallback or s.model_review_family == "other" or "claude" in s.model_routes.values()
    return tuple(FAMILY_KEYS) if claude else ("gemini",)


def _model_call(model: Model, family: str) -> dict[str, Any]:
    """One call to ``family`` first (the routing table set aside): ok only when that family answered,
    not the other one through the fallback."""
    from shared.platform.domain.model_calls import family_first
    from shared.platform.domain.model_replies import Draft

    clock = time.monotonic()
    try:
        with family_first(family):
            reply = model.generate("fast", MODEL_PROMPT, Draft)
        usage = reply.usage
        other = next(name for name in FAMILY_KEYS if name != family)
        if usage.fallback or usage.model.startswith(other):
            why = usage.fallback or f"{family} is not configured"
            result: dict[str, Any] = {"ok": False, "error": f"NotAnswered: {why}"[:300], "model": usage.model}
        else:
            result = {
                "ok": True,
                "model": usage.model,
                "tokens": usage.input_tokens + usage.output_tokens,
                "cost_usd": usage.cost_usd,
            }
    except Exception as exc:  # recorded for the operator: the hop itself was answered
        result = {"ok": False, "error": _error(exc)}
    result["ms"] = round((time.monotonic() - clock) * 1000)
    return result


def answer_hop(
    task: DoctorTask,
    function: str,
    attempt: int,
    checks: DoctorChecks,
    model: Model | None = None,
    *,
    families: tuple[str, ...] = tuple(FAMILY_KEYS),
) -> dict[str, Any]:
    """Record that ``function`` answered ``task`` at its ``attempt`` (1 the first), with one model
    call to each of ``families`` when ``model`` is given (``model``, ``model_claude``); the hop as
    recorded (its times as ISO strings). A model's failure is recorded, not raised: the task is
    answered either way, so the queue does not retry it."""
    hop: dict[str, Any] = {
        "function": function,
        "service": os.environ.get("K_SERVICE", ""),  # Cloud Run's names of what answered
        "revision": os.environ.get("K_REVISION", ""),
        "attempt": attempt,
        "received_at": datetime.now(UTC),
    }
    if model is not None:
        for family in families:
            hop[FAMILY_KEYS[family]] = _model_call(model, family)
    hop["recorded"] = checks.record_hop(task.check_id, task.queue, hop)
    return _plain(hop)


def failed_hops(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(hop, reason) for each hop of a stored check that failed or was not answered: each queue by
    its name, then plan's model calls as ``model`` (Gemini) and ``model_claude``. [] when every hop
    answered."""
    failures: list[tuple[str, str]] = []
    sent, hops = doc.get("sent") or {}, doc.get("hops") or {}
    for q in Queue:
        record = sent.get(q.value) or {}
        if record.get("error"):
            failures.append((q.value, f"not sent: {record['error']}"))
        elif q.value not in hops:
            failures.append(
                (q.value, f"not answered: the queue did not deliver it, or {q.value} refused it (401/403)")
            )
    plan_hop = hops.get(Queue.PLAN.value) or {}
    if plan_hop.get("model") is None:
        failures.append(("model", "no call: plan did not answer its task"))
    for key in FAMILY_KEYS.values():
        call = plan_hop.get(key)
        if call is not None and not call.get("ok"):
            failures.append((key, str(call.get("error", "failed"))))
    return failures


def scheduled_round(queue: TaskQueue, checks: DoctorChecks, now: datetime | None = None) -> dict[str, Any]:
    """One round of the doctor on a schedule: judge each scheduled check whose ``judge_after`` has
    come (one ``doctor_hop_failed`` ERROR line per failed hop, the check marked judged), then start the
    next check, judged from ROUND_GRACE on. The answer: each judged check's failed hops and the new
    check's id."""
    at = now or datetime.now(UTC)
    judged: dict[str, list[str]] = {}
    for check_id, doc in checks.due_for_judgement(at):
        failures = failed_hops(doc)
        for hop, reason in failures:
            log.error(
                "doctor: hop %s of check %s failed: %s",
                hop,
                check_id,
                reason,
                extra={
                    "fields": {"event": "doctor_hop_failed", "hop": hop, "reason": reason, "check": check_id}
                },
            )
        judged[check_id] = [hop for hop, _ in failures]
        checks.mark_judged(check_id, judged[check_id])
    started = start_check(queue, checks, at, judge_after=at + ROUND_GRACE)
    log.info(  # the heartbeat the alert "scheduled doctor silent" waits for (terraform/monitoring.tf)
        "doctor: round judged %d check(s), started %s",
        len(judged),
        started["check_id"],
        extra={"fields": {"event": "doctor_round", "judged": len(judged), "check": started["check_id"]}},
    )
    return {"judged": judged, "started": started["check_id"]}


def read_check(checks: DoctorChecks, check_id: str) -> dict[str, Any] | None:
    """The check's view, None when there is none (never made, or expired)."""
    doc = checks.get(check_id)
    return None if doc is None else view(check_id, doc)


def view(check_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """What the doctor's routes answer: per queue, what was sent and the hop that answered it, with
    the time from sending to the function's answer (``latency_ms``)."""
    queues: dict[str, Any] = {}
    for q in Queue:
        sent = doc.get("sent", {}).get(q.value)
        hop = doc.get("hops", {}).get(q.value)
        entry: dict[str, Any] = {"sent": _plain(sent) if sent else None, "hop": _plain(hop) if hop else None}
        if sent and hop and isinstance(sent.get("sent_at"), datetime):
            entry["latency_ms"] = round((hop["received_at"] - sent["sent_at"]).total_seconds() * 1000)
        queues[q.value] = entry
    started = doc.get("started_at")
    return {
        "check_id": check_id,
        "started_at": started.isoformat() if isinstance(started, datetime) else "",
        "queues": queues,
    }


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in record.items()}
