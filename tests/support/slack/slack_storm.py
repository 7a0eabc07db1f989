"""Slack's storm (docs/slack.md, decision 0173), shared by the reliability test and ``make
bench-channels``: things said in Slack delivered twice, some late, shuffled, a third killed after the
ledger's write; button presses on waiting runs; and forged deliveries (a wrong signing secret), each
to be refused. :func:`storm` asserts its invariants and returns its figures."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from local.code_sandbox.testing import Admin
from shared.platform.errors import TransientError, Unauthenticated
from shared.runs.domain.events import HumanResponded
from shared.runs.domain.plan_task import PlanTask
from shared.slack.domain.ask_task import SlackAskTask
from shared.slack.domain.events import parse_command, run_id_of
from shared.slack.services.commands import command
from shared.slack.services.events import SlackIntake, receive
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
            said.append({"name": name, "member": True, "kind": kind, "words": words, "form": form})
            continue
        [ts] = admin.slack_post(CHANNEL, f"<@U0SANDBOX01> {words}", user=who)
        extra = {"type": "message", "channel_type": "im"} if kind == "dm" else {}
        body = mention(users[who], f"<@U0SANDBOX01> {words}", event_id=f"Ev0STORM{i:05d}", ts=ts, **extra)
        said.append({"name": f"Ev0STORM{i:05d}", "member": kind != "stranger", "kind": kind, "body": body})
    return said


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
    ``lost``, ``duplicated``, ``answered_in_thread`` (of ``threads``), for the caller to assert."""
    rng = random.Random(seed)
    said = _messages(w, admin, n)
    keys = [f"slack-{s['name']}" for s in said]
    killing = KilledLedger(w["intake"].ledger, set(keys[0::3]), set(keys[1::3]))
    intake = replace(w["intake"], ledger=killing)
    # Every message twice (one in four of the pairs at the same moment), one in four a third time
    # late, all shuffled; a killed (500) or refused (503) delivery is sent again later. The ledger's
    # clock moves ten seconds a delivery: Slack's next tries come a minute and five minutes on.
    together = {s["name"] for s in said[1::4]}
    deliveries = [(s, n) for s in said for n in range(1 if s["name"] in together else 2)]
    rng.shuffle(deliveries)
    deliveries += [(s, 2) for s in said[::4]]
    crashed = refused = 0
    clock = datetime.now(UTC)
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
    tasks = w["queue"].tasks
    names = {run_id_of(TEAM, s["name"]): s["name"] for s in said}
    named = Counter(_named(t, names) for _, t, _, _ in tasks)
    messages = admin.slack_messages(CHANNEL)
    roots = Counter(m["text"].rsplit(": ", 1)[-1] for m in messages if "/agent" in m["text"])
    threads = {_thread_of(s, messages) for s in said}
    answers = Counter(m["thread_ts"] for m in messages if m.get("thread_ts") and m.get("bot_id"))
    members = [s for s in said if s["member"]]
    lost = sum(named[s["name"]] == 0 for s in members) + sum(answers[t] == 0 for t in threads)
    duplicated = (
        sum(n > 1 for n in named.values())
        + sum(named[s["name"]] > 0 for s in said if not s["member"])
        + sum(n > 1 for n in roots.values())
        + sum(answers[t] > 1 for t in threads)
    )
    answered = sum(answers[t] == 1 for t in threads)
    pressed = _presses_in_the_storm(rng, presses)
    assert killing.killed == len(keys[0::3]) + len(keys[1::3]) == crashed  # every planned kill happened
    assert refused > 0  # deliveries met another at work (a pair, or a retry right after a kill)
    return {
        "events": len(said) + pressed["presses"],
        "runs_started": len(tasks),
        "lost": lost + pressed["lost"],
        "duplicated": duplicated + pressed["duplicated"],
        "answered_in_thread": answered,
        "runs_expected": len(members),
        "threads": len(said),  # strangers are answered too, once
    }


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
        return str(said["body"]["event"]["ts"])
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
