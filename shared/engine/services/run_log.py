"""A run's event log and its one owner: the run services read and write a log only through a
:class:`RunLog`, which binds a run (tenant, id, the instance's adapters). It reads a run as its log has
it (the document and the events past it) and numbers events after the state it read (:class:`Seqs`).
It writes them by the race rule (each event is created at its seq, so of two writers from one state
exactly one wins) and keeps the paid usage of a write that lost. After a write it emits what follows
the transition: the alert line and the next task. Why: decisions 0021 and 0058.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

from shared.engine.services import followups, page_notes, run_hooks
from shared.platform.errors import TransientError
from shared.runs.domain.events import ErrorKind, ErrorRecorded, ModelUsed, RunEvent, RunStatus, ToolIntent
from shared.runs.domain.state import Run, RunState, fold
from shared.runs.services import alerts
from shared.runs.services.deps import Deps, RunRef

log = logging.getLogger(__name__)
_ATTEMPTS = 5  # writes of one record that others keep getting ahead of: then it gives up (logged)


class StepHeld(TransientError):
    """Another delivery holds the current step: its intent's lease lasts ``retry_after_s`` more. The
    log's next seq is the holder's, so nothing is decided or written past it until it records or
    its lease runs out."""

    def __init__(self, step: int, wait_s: float) -> None:
        super().__init__(f"step {step} is in progress elsewhere", retry_after_s=wait_s)


class Collided(TransientError):
    """A write decided on the run document alone met events past it (``RunLog.read_document``): an
    intent, perhaps another delivery's. The step is decided again on the whole log; raised again
    from there, the queue retries it."""

    def __init__(self, step: int) -> None:
        super().__init__(f"step {step}: another attempt began meanwhile; retried after it")


class Seqs:
    """The seqs of the events that follow a log position, handed out in order. A run's log is dense
    (1, 2, 3, ...) and the store creates each event at its seq, so a seq is the place a write claims.
    ``Seqs()`` numbers a new log from 1; ``Seqs.after(state)`` the events written after ``state``."""

    def __init__(self, last_seq: int = 0) -> None:
        self._last = last_seq

    @classmethod
    def after(cls, state: RunState) -> Seqs:
        return cls(state.last_seq)

    def next(self) -> int:
        """The next seq, taken: the following call hands out the one after it."""
        self._last += 1
        return self._last

    def split(self) -> Seqs:
        """Seqs that hand out the next seq, which this one skips: for an event that goes before
        later ones but is built after them (a plan's head, after its attempts' usage)."""
        first = Seqs(self._last)
        self._last += 1
        return first

    @property
    def upcoming(self) -> int:
        """The seq :meth:`next` hands out next, not taken (an id that names the event, say)."""
        return self._last + 1

    def event[E: RunEvent](self, kind: type[E], **fields: Any) -> E:
        """An event of ``kind`` with ``fields``, at the next seq (taken)."""
        return kind(seq=self.next(), **fields)


def _moves_on(event: RunEvent) -> bool:
    """Whether ``event`` carries the run on by itself (its writer enqueued what follows it)."""
    if isinstance(event, ToolIntent | ModelUsed):
        return False
    if isinstance(event, ErrorRecorded):
        return not (event.error == ErrorKind.TRANSIENT and event.retry_at is None)
    return True


def next_seq(state: RunState) -> int:
    """The seq of the one event that follows ``state``."""
    return Seqs.after(state).next()


def with_next_seqs(events: Sequence[RunEvent], seqs: Seqs) -> list[RunEvent]:
    """``events``, in order, at the seqs ``seqs`` hands out next."""
    return [e.model_copy(update={"seq": seqs.next()}) for e in events]


class Logged(NamedTuple):
    """A run as its log has it."""

    run: Run  # the run document as read
    state: RunState  # the document's state with the events past it folded in
    holder: ToolIntent | None  # the intent past the document, followed by nothing but usage


class RunLog(RunRef):
    """One run's log (``tenants/{tenant_id}/runs/{run_id}``), bound to the instance's adapters: what
    a service holds instead of ``(deps, tenant_id, run_id)``. Every read and write of the log goes
    through it; the events it writes are numbered after the state they follow (:meth:`after`)."""

    __slots__ = ()

    @classmethod
    def of(cls, deps: Deps, run: Run) -> RunLog:
        """The log of ``run``, a document just read."""
        return cls(deps, run.tenant_id, run.run_id)

    @staticmethod
    def after(state: RunState) -> Seqs:
        """The seqs of the events that follow ``state``, handed out in order."""
        return Seqs.after(state)

    def read(self) -> Logged | None:
        """The run as its log has it (:meth:`read_past`); None when it does not exist."""
        run = self.deps.store.get_run(self.tenant_id, self.run_id)
        return None if run is None else self.read_past(run)

    def read_document(self) -> Logged | None:
        """The run as its document has it, the log past it not read (one read): what a step decides
        on. Past the document lie only a live or crashed intent and usage recorded alone; a write
        from this state collides with them (each event is created at its seq), and the writer reads
        them then (``stepping._claim_intent``, :meth:`append`). None when the run does not exist."""
        run = self.deps.store.get_run(self.tenant_id, self.run_id)
        return None if run is None else Logged(run, run.state, None)

    def read_past(self, run: Run) -> Logged:
        """``run`` (a document just read) with what its log holds past it. Only a step's intent and
        usage recorded alone (:meth:`keep_usage`) are written without the document; every other write
        moves the document with it. So an intent past the document, followed by nothing but usage, is
        one whose step has recorded nothing since: it holds the step (``holder``). One query, empty on
        the usual path."""
        past = self.deps.store.list_events(self.tenant_id, self.run_id, run.state.last_seq)
        last = next((e for e in reversed(past) if not isinstance(e, ModelUsed)), None)
        state = fold(past, run.state) if past else run.state
        return Logged(run, state, last if isinstance(last, ToolIntent) else None)

    def document(self) -> RunState | None:
        """The run document's state as stored now (not the log past it); None when there is no run."""
        run = self.deps.store.get_run(self.tenant_id, self.run_id)
        return None if run is None else run.state

    def events(self, after: int = 0) -> list[RunEvent]:
        """The log's events past seq ``after`` (the whole log by default), in order."""
        return self.deps.store.list_events(self.tenant_id, self.run_id, after)

    def event_at(self, seq: int) -> RunEvent | None:
        """The event at ``seq``, if one was written there."""
        return self.deps.store.get_event(self.tenant_id, self.run_id, seq)

    def last_but_usage(self, state: RunState) -> RunEvent | None:
        """The log's last event up to ``state.last_seq`` that is not usage (``model_used``) recorded
        after it; read one event at a time from the end (one read, unless usage follows it)."""
        seq = state.last_seq
        last = self.event_at(seq)
        while isinstance(last, ModelUsed) and seq > 1:
            seq -= 1
            last = self.event_at(seq)
        return last

    def outcome_past(self, state: RunState) -> bool:
        """Whether the log past ``state`` holds an outcome or a decision (another delivery's result or
        error, a person's), not only an intent, usage or an intent's release. A release (a transient
        error without ``retry_at``) leaves the run to the queue's retry of its task: a delivery that
        finds only that past its state must not acknowledge the task (decision 0175)."""
        return any(_moves_on(e) for e in self.events(state.last_seq))

    def create(self, events: list[RunEvent]) -> bool:
        """Create the run with ``events`` (numbered from 1); True also when the run found is this
        call's own (the Firestore client retries a commit that met UNAVAILABLE, and one that went
        through then answers "already exists"). When another writer created it, the log is theirs and
        the paid usage among ``events`` is kept after it (:meth:`keep_usage`)."""
        if self.deps.store.create_run(self.tenant_id, self.run_id, events):
            return True
        if self.event_at(events[0].seq) == events[0]:
            return True
        self.keep_usage(events)
        return False

    def add_alone(self, event: RunEvent) -> bool:
        """Create ``event`` at its seq without moving the run document (a step's intent: one write);
        False when another writer created that seq first (read it with :meth:`event_at`)."""
        return self.deps.store.add_event(self.tenant_id, self.run_id, event)

    def append(self, state: RunState, events: list[RunEvent], *, after_usage: bool = True) -> RunState | None:
        """Write ``events`` (numbered after ``state``) and move the run document with them, by the
        race rule: the store's append fails when another writer created any of their seqs first. With
        ``after_usage``, usage recorded alone since ``state`` (:meth:`keep_usage`), which changes
        nothing but the cost, does not count as such a writer: ``events`` go after it, renumbered.
        Returns the new state, or None when another writer got there first; then the paid usage among
        ``events`` is kept after whatever the log holds now, so the budgets still see it."""
        if after_usage:
            new = self._append_after_usage(state, events)
        else:
            new = self.deps.store.append(self.tenant_id, self.run_id, state, events)
        if new is None:
            self.keep_usage(events)
        return new

    def record(
        self, state: RunState, events: list[RunEvent], *, after_usage: bool = True, delay_s: float = 0.0
    ) -> RunState | None:
        """:meth:`append`, then, when it was written, what follows the transition
        (:meth:`emit_transition`). None when another writer got there first (nothing is emitted)."""
        new = self.append(state, events, after_usage=after_usage)
        if new is not None:
            self.emit_transition(state.status, new, delay_s=delay_s)
        return new

    def emit_transition(self, before: RunStatus | None, after: RunState, *, delay_s: float = 0.0) -> None:
        """What follows a write that moved the run from ``before`` (None: it was created) to
        ``after``. The alert line of a run that failed (``alerts``); its next task by name
        (``followups``; a running run's next step ``delay_s`` later); its Runs row's task
        (``followups.enqueue_row``); the notes on its trigger page (``page_notes``). Then its events for
        the workspace's webhooks (``run_hooks``)."""
        alerts.log_transition(self.run_id, before, after)
        run_hooks.emit_run_events(self, before, after)  # first: a follow-up's failure retries the task
        followups.enqueue_followup(self, after, delay_s=delay_s)
        followups.enqueue_row(self, before, after)
        page_notes.after_transition(self, before, after)

    def resend(self, recorded: RunState) -> None:
        """What the writer of ``recorded`` (the run document) sent after its write, sent again by name:
        its follow-up and, for a wait or an end, its Runs row's task and its webhooks' event. A writer
        that died between its write and these leaves them to the delivery that finds its outcome; the
        queue refuses whatever the writer did send (each name is the run's and the change's)."""
        if recorded.status != RunStatus.RUNNING:
            before = RunStatus.RUNNING if recorded.status.terminal else recorded.status
            run_hooks.emit_run_events(self, before, recorded)
            followups.enqueue_row(self, before, recorded)
        followups.enqueue_followup(self, recorded)

    def followup(self, state: RunState, *, tag: str = "", delay_s: float = 0.0) -> None:
        """The task that follows ``state``, by name (``followups.enqueue_followup``): sent again."""
        followups.enqueue_followup(self, state, tag=tag, delay_s=delay_s)

    def step_task(self, state: RunState, *, delay_s: float = 0.0, tag: str = "", paced: int = 0) -> None:
        """The current step's task, by name (``followups.enqueue_step``)."""
        followups.enqueue_step(self, state, delay_s=delay_s, tag=tag, paced=paced)

    def keep_usage(self, events: Sequence[RunEvent]) -> None:
        """Write the ``model_used`` events among ``events``, and nothing else, after whatever the log
        holds now. They are the paid calls of an attempt whose outcome is not written (another writer
        got there first or holds the step), or of a planning stopped by an error. Each write creates
        the next seqs, so it never overwrites or reorders the log. The run document moves with them,
        unless the log ends past it, in another delivery's intent (a live intent stays out of the
        document, see ``stepping``). Then they are created after it, without the document, and the
        holder's outcome (:meth:`append` ``after_usage``) or the delivery that takes the intent over
        (``stepping``) goes after them."""
        used = [e for e in events if isinstance(e, ModelUsed)]
        for _ in range(_ATTEMPTS):
            if not used:
                return
            state = self.document()
            if state is None:
                break
            tail = self.events(state.last_seq)
            if tail and self._document_moved(state.last_seq):
                continue  # an append landed between the two reads: its events are in the tail, committed
            batch = with_next_seqs(used, Seqs(tail[-1].seq if tail else state.last_seq))
            if not tail:
                if self._append_after_usage(state, batch) is not None:
                    return
                continue
            for event in batch:
                if not (self.add_alone(event) or self.event_at(event.seq) == event):
                    break  # another write took that seq: read again
                used = used[1:]
        if used:
            cost = sum(e.cost_usd for e in used)
            log.warning(
                "run %s: %d paid model call(s), $%.6f, could not be recorded", self.run_id, len(used), cost
            )

    def _append_after_usage(self, state: RunState, events: list[RunEvent]) -> RunState | None:
        """``store.append``, and again after any usage recorded alone since ``state`` (it changes
        nothing but the cost, so ``events`` still follow, renumbered). None when the log moved on
        otherwise."""
        for _ in range(_ATTEMPTS):
            new = self.deps.store.append(self.tenant_id, self.run_id, state, events)
            if new is not None:
                return new
            tail = self.events(state.last_seq)
            if tail[: len(events)] == events:  # ours: a commit retried after it went through
                return fold(events, state)
            if not tail or not all(isinstance(e, ModelUsed) for e in tail):
                return None
            state = fold(tail, state)
            events = with_next_seqs(events, Seqs.after(state))
        return None

    def _document_moved(self, last_seq: int) -> bool:
        """Whether the run document moved past ``last_seq`` (read again). An append writes its events
        and the document together, so a tail listed while the document stayed at ``last_seq`` holds
        only events created without it: an intent, and usage recorded alone."""
        state = self.document()
        return state is None or state.last_seq != last_seq
