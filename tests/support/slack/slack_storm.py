"""Slack's storm (docs/slack.md, decisions 0173 and 0195), shared by the reliability test and ``make
bench-channels``: things said in Slack delivered twice, some late, shuffled, a third killed after the
ledger's write, then later words in their threads (the speaker's, and another person's) the same way;
button presses on waiting runs; and forged deliveries (a wrong signing secret), each to be refused.
:func:`storm` asserts its invariants and returns its figures."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from local.code_sandbox.testing import Admin
from shared.notify.domain.slack_threads import SlackThread
from shared.platform.errors import TransientError, Unauthenticated
from shared.runs.domain.events import HumanResponded
from shared.runs.domain.plan_task import PlanTask
from shared.sessions.adapters.firestore_sessions import FirestoreSessions
from shared.sessions.domain.sessions import run_id_for, session_id_for, thread_key
from shared.slack.domain.ask_task import SlackAskTask
from shared.slack.domain.events import parse_command
from shared.slack.services.commands import command
from shared.slack.services.events import SlackIntake, receive
from shared.slack.services.thread_sessions import AGENT
from tests.reliability.harness import Crash, KilledLedger
from tests.support.platform.fake_container import client
from tests.support.slack.slack_events import CHANNEL, TEAM, mention, signed, signed_form, slash
from tests.support.slack.slack_presses import button_value, press, slack_fakes, waiting

FORGED_SECRET = "not-the-signing-secret"  # a forger's guess, not a secret


def _messages(w: dict[str, Any], admin: Admin, n: int) -> list[dict[str, Any]]:
    """``n`` things said in Slack, each as ``{"name", "member", "kind", "body"}``: a mention, a direct
    message, a question and a stranger's mention, or a slash command, by turns."""
    users, said = w["users"], []
    for i in range(n):
        kind = ("mention", "dm", "ask", "stranger", "command")[i % 5]
        who = {"stranger": "eve", "dm": "ada"}.get(kind, "bo")
        words = f"ask what did we decide on item {i}?" if kind == "ask" else f"draft note {i}"
        if kind == "command":
            form = slash(users[who], words, f"{i}.{i}.storm")
            name = parse_command(signed_form(form)[0]).name
            said.append(
                {"name": name, "member": True, "kind": kind, "words": words, "form": form, "who": who}
            )
            continue
        [ts] = admin.slack_post(CHANNEL, f"<@U0SANDBOX01> {words}", user=who)
        extra = {"type": "message", "channel_type": "im"} if kind == "dm" else {}
        body = mention(users[who], f"<@U0SANDBOX01> {words}", event_id=f"Ev0STORM{i:05d}", ts=ts, **extra)
        said.append(
            {"name": f"Ev0STORM{i:05d}", "member": kind != "stranger", "kind": kind, "body": body, "who": who}
        )
    return said


def _later(w: dict[str, Any], said: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Later words in the threads of every other mention (Bo's): Bo's own, given to his session's run
    (queued, not planned yet: refused, nothing started), and in every fourth thread Ada's, her own
    session of the thread starting her own run, never steering his (decision 0195)."""
    later: list[dict[str, Any]] = []
    for n, root in enumerate(s for s in said if s["kind"] == "mention"):
        thread = str(root["body"]["event"]["ts"])
        speakers = ["bo", "ada"] if n % 4 == 0 else ["bo"] if n % 2 == 0 else []
        for m, who in enumerate(speakers):
            name = f"Ev0STORM{'FG'[m]}{n:04d}"
            words = f"<@U0SANDBOX01> also add the owner {n}"
            body = mention(w["users"][who], words, event_id=name, ts=f"{thread}{m + 1}", thread_ts=thread)
            later.append(
                {"name": name, "member": True, "kind": "later", "body": body, "who": who, "root": root}
            )
    return later


def _deliver(intake: SlackIntake, said: dict[str, Any], retry: int, now: datetime) -> None:
    if said["kind"] == "command":
        command(*signed_form(said["form"]), intake, now=now)
    else:
        receive(*signed(said["body"], retry=retry), intake, now=now)


def forged(w: dict[str, Any], n: int) -> dict[str, int]:
    """``n`` members' mentions signed with a wrong secret, delivered once each: ``sent``, and
    ``accepted`` (answered as Slack's, or a run or Ask queued under their event ids)."""
    accepted = 0
    names = {f"Ev0FORGED{i:05d}" for i in range(n)}
    for name in sorted(names):
        body = mention(w["users"]["bo"], "<@U0SANDBOX01> delete every page", event_id=name)
        try:
            receive(*signed(body, secret=FORGED_SECRET), w["intake"])
            accepted += 1
        except Unauthenticated:
            pass
    queued = {_named(t, {}) for _, t, _, _ in w["queue"].tasks}
    return {"sent": n, "accepted": accepted + len(queued & names)}


def storm(w: dict[str, Any], admin: Admin, n: int, presses: int, seed: int = 81) -> dict[str, int]:
    """``n`` things said in Slack and ``presses`` waiting runs through the storm, every planned kill
    asserted made: ``events`` (messages and presses sent), ``runs_started`` (of ``runs_expected``),
    ``lost``, ``duplicated``, ``answered_in_thread`` (of ``threads``), ``session_messages`` (of
    ``said_by_members``), ``steers_refused`` (of ``later_own``), for the caller to assert."""
    rng = random.Random(seed)
    said = _messages(w, admin, n)
    first = _wave(w, said, rng, datetime.now(UTC))
    later = _later(w, said)
    second = _wave(w, later, rng, first["clock"])
    tasks = w["queue"].tasks
    messages = admin.slack_messages(CHANNEL)
    for one in said + later:  # the thread each was said in: a command's is the root the app posted
        one["thread"] = _thread_of(one, messages)
    starting = [s for s in said if s["member"]] + [s for s in later if s["who"] == "ada"]
    names = {_run_of(w, s): s["name"] for s in starting}
    named = Counter(_named(t, names) for _, t, _, _ in tasks)
    roots = Counter(m["text"].rsplit(": ", 1)[-1] for m in messages if "/agent" in m["text"])
    threads = Counter(s["thread"] for s in said + later)  # the answers each thread is owed
    answers = Counter(m["thread_ts"] for m in messages if m.get("thread_ts") and m.get("bot_id"))
    lost = sum(named[s["name"]] == 0 for s in starting) + sum(
        answers[t] < owed for t, owed in threads.items()
    )
    duplicated = (
        sum(n > 1 for n in named.values())
        + sum(named[s["name"]] > 0 for s in said + later if s not in starting)
        + sum(n > 1 for n in roots.values())
        + sum(answers[t] > owed for t, owed in threads.items())
    )
    answered = sum(answers[t] == owed for t, owed in threads.items())
    members = [s for s in said + later if s["member"]]
    kept = _sessions_kept(w, members)
    pressed = _presses_in_the_storm(rng, presses)
    assert first["refused"] + second["refused"] > 0  # deliveries met another at work (a pair, a retry)
    return {
        "events": len(said) + len(later) + pressed["presses"],
        "runs_started": len(tasks),
        "lost": lost + kept["lost"] + pressed["lost"],
        "duplicated": duplicated + kept["duplicated"] + pressed["duplicated"],
        "answered_in_thread": answered,
        "runs_expected": len(starting),
        "threads": len(threads),  # strangers are answered too, once
        "session_messages": kept["messages"],  # of ``said_by_members``: each once in its session
        "said_by_members": len(members),
        "steers_refused": kept["refused"],  # of ``later_own``: Bo's later words, his run not planned yet
        "later_own": sum(s["who"] == "bo" for s in later),
    }


def _wave(
    w: dict[str, Any], said: list[dict[str, Any]], rng: random.Random, clock: datetime
) -> dict[str, Any]:
    """Every one of ``said`` delivered twice (one in four of the pairs at the same moment), one in four
    a third time late, all shuffled; a killed (500) or refused (503) delivery is sent again later. The
    ledger's clock moves ten seconds a delivery: Slack's next tries come a minute and five minutes on.
    A third are killed after the ledger's record, a third before its mark, every kill asserted made.
    ``refused`` (503s) and the ``clock`` after the last delivery."""
    keys = [f"slack-{s['name']}" for s in said]
    killing = KilledLedger(w["intake"].ledger, set(keys[0::3]), set(keys[1::3]))
    intake = replace(w["intake"], ledger=killing)
    together = {s["name"] for s in said[1::4]}
    deliveries = [(s, n) for s in said for n in range(1 if s["name"] in together else 2)]
    rng.shuffle(deliveries)
    deliveries += [(s, 2) for s in said[::4]]
    crashed = refused = 0
    while deliveries:
        one, retry = deliveries.pop(0)
        clock += timedelta(seconds=10)
        pair = 2 if one["name"] in together and retry == 0 else 1
        with ThreadPoolExecutor(pair) as both:
            outcomes = list(both.map(_outcome, *zip(*[(intake, one, retry, clock)] * pair, strict=True)))
        for outcome in outcomes:
            crashed += outcome == "crashed"
            refused += outcome == "in flight"
            if outcome != "answered":
                deliveries.insert(rng.randrange(len(deliveries) + 1), (one, retry + 1))
    assert killing.killed == len(keys[0::3]) + len(keys[1::3]) == crashed  # every planned kill happened
    return {"refused": refused, "clock": clock}


def _session_of(w: dict[str, Any], said: dict[str, Any]) -> tuple[str, str]:
    """The member and the session of the thread ``said`` was said in, as its speaker's (decision 0195)."""
    tenant = w["tenant"]
    member = tenant.owner_member() if said["who"] == "ada" else tenant.member("m-bo")
    ref = SlackThread(TEAM, CHANNEL, said["thread"]).ref
    return member.member_id, session_id_for(member.member_id, AGENT, thread_key(ref))


def _run_of(w: dict[str, Any], said: dict[str, Any]) -> str:
    """The run ``said`` starts: named by its session and its event's key, as every session's message."""
    return run_id_for(_session_of(w, said)[1], f"slack-{said['name']}")


def _sessions_kept(w: dict[str, Any], said: list[dict[str, Any]]) -> dict[str, int]:
    """Each member's message in its speaker's session of its thread, once: ``messages`` found,
    ``lost`` (none), ``duplicated`` (a session counting more messages than it holds, places not
    1..n, or a later word of Bo's that moved his session's run), ``refused`` (his later words, refused)."""
    store, tenant_id = FirestoreSessions(w["db"]), w["tenant"].tenant_id
    found = lost = duplicated = refused = 0
    for one in said:
        member_id, session_id = _session_of(w, one)
        session = store.session(tenant_id, member_id, session_id)
        kept = store.messages(tenant_id, member_id, session_id, 0, 50) if session else []
        mine = [m for m in kept if m.key == f"slack-{one['name']}"]
        found, lost = found + len(mine), lost + (not mine)
        if session is not None and [m.place for m in kept] != list(range(1, session.count + 1)):
            duplicated += 1
        if mine and one["kind"] == "later" and one["who"] == "bo":
            steered = (mine[0].act, mine[0].state) != ("steer", "failed")
            moved = session is not None and session.run_id != _run_of(
                w, one["root"] | {"thread": one["thread"]}
            )
            duplicated += steered or moved
            refused += not (steered or moved)
    return {"messages": found, "lost": lost, "duplicated": duplicated, "refused": refused}


def _outcome(intake: SlackIntake, said: dict[str, Any], retry: int, now: datetime) -> str:
    """One delivery: ``answered`` (a 200), ``crashed`` (the instance killed: a 500), ``in flight`` (503)."""
    try:
        _deliver(intake, said, retry, now)
    except Crash:
        return "crashed"
    except TransientError:
        return "in flight"
    return "answered"


def _named(task: Any, names: dict[str, str]) -> str:
    """The Slack name (event id or command's) a queued run or Ask was started by: ``names`` by run id."""
    if isinstance(task, SlackAskTask):
        return task.event_key.removeprefix("slack-")
    assert isinstance(task, PlanTask)
    return names.get(task.run_id, task.run_id)


def _thread_of(said: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    if said["kind"] != "command":
        event = said["body"]["event"]
        return str(event.get("thread_ts") or event["ts"])
    roots = [m["ts"] for m in messages if m["text"].endswith(": " + said["words"]) and "/agent" in m["text"]]
    return str(roots[0]) if roots else "no root"


def _presses_in_the_storm(rng: random.Random, count: int) -> dict[str, int]:
    """``count`` runs waiting for an approval (the api over fakes), each Approve pressed twice, some a
    third time late, shuffled, and one press in three killed after its decision (before the thread is
    told): each run decided once, none left waiting."""
    fakes = slack_fakes()
    api = client("api", fakes)
    runs = [waiting(fakes, f"storm-{i}") for i in range(count)]
    real_reply, kills = fakes.slack_web.reply, set(r for r, _ in runs[::3])

    def reply(token: str, channel: str, thread: str, text: str, key: str = "") -> None:
        for run_id in list(kills):
            if _decided(fakes, run_id):
                kills.discard(run_id)
                raise Crash(f"killed after deciding {run_id}")
        real_reply(token, channel, thread, text, key)

    fakes.slack_web.reply = reply  # type: ignore[method-assign,assignment]  # killed after the decision, before the thread
    presses = [(r, q) for r, q in runs for _ in range(2)] + [(r, q) for r, q in runs[::4]]
    rng.shuffle(presses)
    sent = 0
    while presses:
        run_id, request_id = presses.pop(0)
        sent += 1
        body, headers = press(button_value(run_id, request_id))
        answer = api.post("/slack/interactions", data=body, headers=headers)
        if answer.status_code >= 500:
            presses.append((run_id, request_id))
    decided = [_decided(fakes, r) for r, _ in runs]
    return {"presses": sent, "lost": decided.count(0), "duplicated": sum(d > 1 for d in decided)}


def _decided(fakes: Any, run_id: str) -> int:
    return sum(isinstance(e, HumanResponded) for e in fakes.store.list_events("t1", run_id))
