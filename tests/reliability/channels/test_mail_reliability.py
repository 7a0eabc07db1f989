"""Mail in the storm (docs/mail.md, decision 0219): members' mails asking for work or a question,
strangers' and spoofed ones arriving in waves, on the Firestore emulator and the Gmail sandbox. Each
Pub/Sub push is delivered twice (one in four of the pairs at the same moment), one in four again late,
all shuffled across waves, and a third of the mails' pushes see the function killed after its write
(the ledger's record, or after the run and the thread's reply, before the mark), a few after the
history id was stored, Pub/Sub delivering again after each 500 or 503. Each member's mail starts one
run (or Ask), none is lost, each run's thread gets one reply; prints ``RESULT mail_pushes=<n>
runs_started=<n> lost=0 duplicated=0``, each figure asserted, and adds its runs to the storm's totals."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.mail.domain.ask_task import MailAskTask
from shared.mail.services.intake import MailIntake, receive
from shared.platform.errors import TransientError
from shared.runs.domain.plan_task import PlanTask
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import Crash, KilledLedger
from tests.support.mail.mail_world import EDITOR, OWNER, bearer, mail_world
from tests.support.mail.mails import AGENT, DMARC_FAIL, mail, push

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
__all__ = ["mail_world"]  # the agent scribe's mailbox connected for Ada's workspace


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


def test_each_mail_starts_one_run_and_gets_one_reply_however_pubsub_pushes(
    mail_world: dict[str, Any],
) -> None:
    rng, sandbox = random.Random(81), mail_world["sandbox"]
    n = scale(15, 120)
    keys: list[str] = []
    ledger = KilledLedger(mail_world["intake"].ledger, set(), set())
    mailboxes = KilledAdvance(mail_world["intake"].mailboxes, 2)
    intake = replace(mail_world["intake"], ledger=ledger, mailboxes=mailboxes)
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
            keys.append(key)
            copies = 2 + (i % 4 == 0)  # twice, one in four a third time
            pending += [(int(record["historyId"]), 0)] * copies
        rng.shuffle(pending)
        later = pending[len(pending) // 2 :]  # half wait for a later wave: late, out of order
        pending = pending[: len(pending) // 2]
        while pending:
            history_id, attempt = pending.pop(0)
            clock += timedelta(seconds=10)
            pair = 2 if attempt == 0 and rng.random() < 0.25 else 1  # a twin at the same moment
            at = [(mail_world, intake, history_id, clock)] * pair
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
        outcome = _outcome(mail_world, intake, history_id, clock)
        crashed += outcome == "crashed"
        refused += outcome == "in flight"
        if outcome != "ok":
            pending.insert(rng.randrange(len(pending) + 1), (history_id, attempt + 1))
    tasks = [t for _, t, _, _ in mail_world["queue"].tasks]
    started = Counter(
        t.run_id if isinstance(t, PlanTask) else t.event_key
        for t in tasks
        if isinstance(t, PlanTask | MailAskTask)
    )
    replies = Counter(m["threadId"] for m in sandbox.sent(AGENT))
    members = [r for kind, r in sent if kind in ("run", "ask")]
    runs = [r for kind, r in sent if kind == "run"]
    lost = sum(started[f"mail-{r['id']}"] == 0 for r in members) + sum(
        replies[r["threadId"]] == 0 for r in runs
    )
    duplicated = (
        sum(c > 1 for c in started.values())
        + sum(started[f"mail-{r['id']}"] > 0 for kind, r in sent if kind not in ("run", "ask"))
        + sum(c > 1 for c in replies.values())
        + sum(replies[r["threadId"]] > 0 for kind, r in sent if kind != "run")  # an Ask's reply is its answer
    )
    runs_started = sum(isinstance(t, PlanTask) for t in tasks)
    print(f"RESULT mail_pushes={pushes} runs_started={runs_started} lost={lost} duplicated={duplicated}")
    TOTALS.update({"runs": runs_started, "lost": lost})
    TOTALS["duplicated_effects"] += duplicated
    assert (lost, duplicated) == (0, 0), (started, replies)
    assert runs_started == len(runs) and len(tasks) == len(members)
    planned = sum(1 for i in range(n) if i % 3 in (0, 1) and _mail(i)[0] in ("run", "ask"))
    assert ledger.killed == planned and mailboxes.killed == 2  # every planned kill happened
    assert crashed == ledger.killed + mailboxes.killed and refused > 0  # twins met one at work
