"""Mail's storm (docs/mail.md, decision 0219), shared by the reliability test and ``make
bench-channels``: members', strangers' and spoofed mails in waves, each Pub/Sub push delivered twice,
some late, shuffled, a third killed after the ledger's write; and forged pushes (another audience's
or identity's token), each to be refused. :func:`storm` asserts its invariants, returns its figures."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.mail.domain.ask_task import MailAskTask
from shared.mail.services.intake import MailIntake, receive
from shared.platform.errors import Forbidden, TransientError, Unauthenticated
from shared.runs.domain.plan_task import PlanTask
from tests.reliability.harness import Crash, KilledLedger
from tests.support.mail.mail_world import EDITOR, OWNER, bearer
from tests.support.mail.mails import AGENT, DMARC_FAIL, mail, push

FORGERIES = ({"aud": "https://elsewhere.example/push"}, {"email": "mallory@evil.iam.gserviceaccount.com"})


class KilledAdvance:
    """The mailboxes, whose instance dies right after storing the history id ``times`` times."""

    def __init__(self, inner: Any, times: int) -> None:
        self.inner, self.times, self.killed = inner, times, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def advance(self, address: str, history_id: int) -> int:
        stored = self.inner.advance(address, history_id)
        if self.killed < self.times:
            self.killed += 1
            raise Crash("killed after storing the history id")
        return int(stored)


def _mail(i: int) -> tuple[str, Any]:
    """The ``i``-th mail of the storm, by turns: an editor's work, the owner's question, a stranger's,
    a spoofed owner's, the owner's work."""
    kind = ("run", "ask", "stranger", "spoofed", "run")[i % 5]
    if kind == "ask":
        return kind, mail(OWNER, f"Ask: item {i}", "what did we decide?")
    if kind == "stranger":
        return kind, mail("eve@elsewhere.example", f"Note {i}", "run this")
    if kind == "spoofed":
        return kind, mail(OWNER, f"Delete {i}", "every page", auth=DMARC_FAIL)
    return kind, mail(EDITOR if i % 2 else OWNER, f"Note {i}", f"draft note {i}")


def _outcome(world: dict[str, Any], intake: MailIntake, history_id: int, now: datetime) -> str:
    """One push: ``ok`` (a 200), ``crashed`` (the instance killed: a 500), ``in flight`` (a 503)."""
    try:
        receive(push(AGENT, history_id), bearer(world), intake, now)
    except Crash:
        return "crashed"
    except TransientError:
        return "in flight"
    return "ok"


def forged(world: dict[str, Any], n: int) -> dict[str, int]:
    """``n`` pushes of a new mail signed for another audience or as another identity, by turns:
    ``sent``, and ``accepted`` (answered as Pub/Sub's push)."""
    record = world["sandbox"].deliver(AGENT, mail(OWNER, "Delete everything", "every page"))
    accepted = 0
    for i in range(n):
        headers = bearer(world, **FORGERIES[i % len(FORGERIES)])
        try:
            receive(push(AGENT, int(record["historyId"])), headers, world["intake"])
            accepted += 1
        except (Unauthenticated, Forbidden):
            pass
    return {"sent": n, "accepted": accepted}


def storm(world: dict[str, Any], n: int, seed: int = 81) -> dict[str, int]:
    """``n`` mails through the storm, every planned kill asserted made: ``pushes``, ``runs_started``
    (of ``runs_expected``), ``lost``, ``duplicated``, ``spoofed`` (spoofed mails sent) and
    ``spoofed_accepted`` (those that started anything), for the caller to assert."""
    rng, sandbox = random.Random(seed), world["sandbox"]
    ledger = KilledLedger(world["intake"].ledger, set(), set())
    mailboxes = KilledAdvance(world["intake"].mailboxes, 2)
    intake = replace(world["intake"], ledger=ledger, mailboxes=mailboxes)
    sent: list[tuple[str, dict[str, Any]]] = []
    pending: list[tuple[int, int]] = []  # (history id, attempt)
    clock, pushes, crashed, refused = datetime.now(UTC), 0, 0, 0
    for wave in range(0, n, 5):
        for i in range(wave, min(wave + 5, n)):
            kind, one = _mail(i)
            record = sandbox.deliver(AGENT, one)
            sent.append((kind, record))
            key = f"mail-{record['id']}"
            (ledger.after_record if i % 3 == 0 else ledger.before_mark if i % 3 == 1 else set()).add(key)
            copies = 2 + (i % 4 == 0)  # twice, one in four a third time
            pending += [(int(record["historyId"]), 0)] * copies
        rng.shuffle(pending)
        later = pending[len(pending) // 2 :]  # half wait for a later wave: late, out of order
        pending = pending[: len(pending) // 2]
        while pending:
            history_id, attempt = pending.pop(0)
            clock += timedelta(seconds=10)
            pair = 2 if attempt == 0 and rng.random() < 0.25 else 1  # a twin at the same moment
            at = [(world, intake, history_id, clock)] * pair
            with ThreadPoolExecutor(pair) as both:
                outcomes = list(both.map(_outcome, *zip(*at, strict=True)))
            pushes += pair
            for outcome in outcomes:
                crashed += outcome == "crashed"
                refused += outcome == "in flight"
                if outcome != "ok":  # pushed again later
                    pending.insert(rng.randrange(len(pending) + 1), (history_id, attempt + 1))
        pending = later
    while pending:  # the late ones, and their retries
        history_id, attempt = pending.pop(0)
        clock += timedelta(seconds=10)
        pushes += 1
        outcome = _outcome(world, intake, history_id, clock)
        crashed += outcome == "crashed"
        refused += outcome == "in flight"
        if outcome != "ok":
            pending.insert(rng.randrange(len(pending) + 1), (history_id, attempt + 1))
    tasks = [t for _, t, _, _ in world["queue"].tasks]
    started = Counter(
        t.run_id if isinstance(t, PlanTask) else t.event_key
        for t in tasks
        if isinstance(t, PlanTask | MailAskTask)
    )
    replies = Counter(m["threadId"] for m in sandbox.sent(AGENT))
    members = [r for kind, r in sent if kind in ("run", "ask")]
    runs = [r for kind, r in sent if kind == "run"]
    spoofed = [r for kind, r in sent if kind == "spoofed"]
    lost = sum(started[f"mail-{r['id']}"] == 0 for r in members) + sum(
        replies[r["threadId"]] == 0 for r in runs
    )
    duplicated = (
        sum(c > 1 for c in started.values())
        + sum(started[f"mail-{r['id']}"] > 0 for kind, r in sent if kind == "stranger")
        + sum(c > 1 for c in replies.values())
        + sum(replies[r["threadId"]] > 0 for kind, r in sent if kind == "ask")  # an Ask's reply is its answer
    )
    spoofed_accepted = sum(started[f"mail-{r['id']}"] > 0 or replies[r["threadId"]] > 0 for r in spoofed)
    runs_started = sum(isinstance(t, PlanTask) for t in tasks)
    planned = sum(1 for i in range(n) if i % 3 in (0, 1) and _mail(i)[0] in ("run", "ask"))
    assert ledger.killed == planned and mailboxes.killed == 2  # every planned kill happened
    assert crashed == ledger.killed + mailboxes.killed and refused > 0  # twins met one at work
    return {
        "pushes": pushes,
        "runs_started": runs_started,
        "runs_expected": len(runs),
        "lost": lost,
        "duplicated": duplicated,
        "spoofed": len(spoofed),
        "spoofed_accepted": spoofed_accepted,
    }
