"""``make demo``'s channels (local/demo.py), where the team already talks: a mention of the app in the
code sandbox's Slack starts a run answered in the message's thread; a member's mail to an agent's
address, through Gmail's watch, the Pub/Sub emulator and the signed push, starts a run answered in the
mail's thread; a meeting in the owner's calendar, its notification posted to the api, starts the
agent's "before" rule at the scheduler's tick, whose run, once the owner approves its write, makes
the meeting's brief page under the agent's home before the meeting."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from local.code_sandbox.sandbox import SEED
from local.code_sandbox.testing import Admin as CodeAdmin
from local.google_connect import connect_calendar_by_hand, connect_mailbox_by_hand
from local.scheduler import JOBS, LocalScheduler

JSON = dict[str, Any]
SLACK_GOAL = "<@U0SANDBOX01> Write a note about the launch"
MAIL_SUBJECT = "Write a note about the newsletter"
MEETING = "Launch review"
AGENT_ADDRESS = "agent@agents.demo.example"
ENDED = frozenset({"completed", "failed", "cancelled"})


def channels_walk(demo: Any) -> JSON:
    """The three channels in turn (module docstring): what each did, for the report and the tests."""
    owner = demo.api("GET", "/team")["members"][0]
    return {
        "slack": slack_thread(demo, owner),
        "mail": mail_thread(demo, owner),
        "meeting": brief(demo, owner),
    }


def _run(demo: Any, run_id: str, what: str, until: frozenset[str] = ENDED) -> JSON:
    """The run ``run_id`` once its status is one of ``until`` (a 404 until planning made it)."""

    def ended() -> JSON | None:
        status, run = demo.get(f"/runs/{run_id}")
        return run if status == 200 and run.get("status") in until else None

    run: JSON = demo.wait(ended, what, 240)  # generous: the machine may be loaded
    return run


def slack_thread(demo: Any, owner: JSON) -> JSON:
    """The owner links the sandbox's Slack team and mentions the app in #agent: the run it starts is
    answered in the message's thread (first "on it", then the result)."""
    demo.api("PUT", "/integrations/slack", {"token": SEED["slack_token"]})
    slack = CodeAdmin(demo.stack.code_sandbox_url)
    said = slack.slack_say("ada", SLACK_GOAL, email=owner["email"])
    demo.note(
        "owner → Slack",
        f"said {SLACK_GOAL!r} in #agent; Slack's event answered {said['delivered']['status']}",
    )
    found = re.search(r'"run_id":\s*"([^"]+)"', said["delivered"]["body"])
    assert found, f"the mention started no run: {said['delivered']}"
    run = _run(demo, found[1], "the Slack mention's run to end")

    def answered() -> list[JSON] | None:
        thread = [m for m in slack.slack_messages(SEED["slack_channel"]) if m.get("thread_ts") == said["ts"]]
        return thread if len(thread) >= 2 else None

    thread = demo.wait(answered, "the run's result in the Slack thread", 120)
    for message in thread:
        demo.note("api → Slack thread", message["text"].splitlines()[0][:100])
    return {"said": said, "run": run, "thread": thread}


def mail_thread(demo: Any, owner: JSON) -> JSON:
    """The default agent is given an address; the owner mails it (Gmail's authentication passing): the
    run it starts is answered in the mail's thread."""
    stack = demo.stack
    tenant_id = demo.api("GET", "/session")["tenant_id"]
    agent = demo.api("GET", "/agents")["agents"][0]
    connect_mailbox_by_hand(stack, tenant_id, agent["agent_id"], AGENT_ADDRESS)
    demo.note("owner → api", f"gave {agent['name']!r} the address {AGENT_ADDRESS} (Gmail watches it)")
    sent = _mail(owner["email"], MAIL_SUBJECT, "A short note, please.")
    record = stack.google.gmail.deliver(AGENT_ADDRESS, sent)
    demo.note("owner → Gmail", f"mailed {AGENT_ADDRESS}: {MAIL_SUBJECT!r} (Pub/Sub pushes it to the api)")

    def replied() -> list[Any] | None:
        thread = stack.google.gmail.thread(AGENT_ADDRESS, record["threadId"])
        return thread if len(thread) >= 3 else None  # the mail, the approval or start, the result

    thread = demo.wait(replied, "the run's result in the mail thread", 180)
    runs = [
        r for r in demo.api("GET", "/runs?limit=50")["runs"] if r.get("goal", "").startswith(MAIL_SUBJECT)
    ]
    for message in thread[1:]:
        demo.note("api → mail thread", f"{message['Subject']}: {message.get_content().splitlines()[0][:80]}")
    run = _run(demo, runs[0]["run_id"], "the mail's run to end") if runs else {}
    return {"thread": thread, "run": run, "pushes": list(stack.google.push.forwarded)}


def _mail(sender: str, subject: str, text: str) -> EmailMessage:
    """A member's mail as Gmail receives it: its ``Authentication-Results`` passing for the sender."""
    domain = sender.rpartition("@")[2]
    message = EmailMessage()
    message["Authentication-Results"] = (
        f"mx.google.com; dkim=pass header.i=@{domain}; spf=pass smtp.mailfrom={sender}; "
        f"dmarc=pass (p=REJECT) header.from={domain}"
    )
    message["From"], message["To"], message["Subject"] = sender, AGENT_ADDRESS, subject
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    return message


def brief(demo: Any, owner: JSON) -> JSON:
    """The owner connects their calendar and gives the default agent a rule, 15 minutes before a
    meeting matching "launch"; a meeting in ten minutes is made, its notification posted to the api,
    and the scheduler's calendar tick starts the brief's run, which ends before the meeting."""
    stack = demo.stack
    tenant_id = demo.api("GET", "/session")["tenant_id"]
    agent = demo.api("GET", "/agents")["agents"][0]
    rule = {"on": "before", "minutes": 15, "matching": "launch"}
    demo.api("PATCH", f"/agents/{agent['agent_id']}", {"calendar_triggers": [rule]})
    person = owner["email"]
    connect_calendar_by_hand(stack, tenant_id, person, demo.ids["owner"])
    demo.note(
        "owner → api",
        f"connected {person}'s calendar; {agent['name']!r}: 15 minutes before a meeting matching 'launch'",
    )
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    event = {
        "summary": MEETING,
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=30)).isoformat()},
        "attendees": [{"email": person}],
        "description": "Where we are with the launch.",
    }
    made = stack.google.calendar.put_event(person, event)
    demo.note("owner → Calendar", f"made {MEETING!r} at {start:%H:%M} UTC (Google posts its notification)")
    courier = stack.google.courier
    demo.wait(
        lambda: [s for s in courier.sent if s.event == "exists" and s.taken], "the notification taken", 60
    )
    [job] = [j for j in JOBS if j.name == "calendar-tick"]
    ticked = LocalScheduler(stack.url, "na-scheduler@" + stack.project + ".iam.gserviceaccount.com").fire(job)
    demo.note("Cloud Scheduler → plan", f"POST /calendar/tick answered {ticked}")
    assert ticked == 200, f"the calendar tick answered {ticked}"

    def started() -> JSON | None:
        return next(
            (r for r in demo.api("GET", "/runs?limit=50")["runs"] if r["run_id"].startswith("cal-before-")),
            None,
        )

    run_id = demo.wait(started, "the meeting's run to start", 180)["run_id"]
    asked = _run(demo, run_id, "the brief's run to ask before writing", frozenset({"waiting_for_human"}))
    waiting = asked.get("waiting") or {}
    demo.note("plan", f"the brief's run asks: {' '.join(str(waiting.get('prompt', '')).split())[:90]}")
    demo.api("POST", f"/runs/{run_id}/approve", {"request_id": waiting["request_id"]})
    demo.note("owner → api", f"approved request {waiting['request_id']} of run {run_id}")
    run = _run(demo, run_id, "the brief's run to end")
    ended = datetime.fromisoformat(run["events"][-1]["at"])
    page = next(p for p in demo.state()["pages"] if p["properties"].get("title") == f"Brief: {MEETING}")
    demo.note("execute-step", f"wrote the page 'Brief: {MEETING}' at {ended:%H:%M:%S}, before {start:%H:%M}")
    return {"event": made, "start": start, "run": run, "tick": ticked, "ended": ended, "page": page}


def print_channels(result: JSON) -> None:
    """Each channel's thread, as the person sees it there."""
    slack, mail, meeting = (
        result["channels"]["slack"],
        result["channels"]["mail"],
        result["channels"]["meeting"],
    )
    print(
        f"Slack: a mention in #agent started run {slack['run']['run_id']} ({slack['run']['status']}); its thread:"
    )
    for message in slack["thread"]:
        print(f"  - {message['text'].splitlines()[0][:120]}")
    print(
        f"Mail: {MAIL_SUBJECT!r} to {AGENT_ADDRESS}, pushed through Pub/Sub ({len(mail['pushes'])} push, {mail['pushes']}); its thread:"
    )
    for message in mail["thread"]:
        print(f"  - {message['From']}: {message['Subject']}")
    run = meeting["run"]
    print(
        f"Calendar: {MEETING!r} at {meeting['start']:%H:%M} UTC; its brief's run {run['run_id']} {run['status']} "
        f"at {meeting['ended']:%H:%M:%S}, before the meeting, once the owner approved its write; the page:"
    )
    page = meeting["page"]
    print(f"  - {page['properties']['title']!r} under the agent's home")
    for block in page["content"][:6]:
        print(f"      {' · '.join(block.get('text', '').splitlines())[:140]}")
    print()
