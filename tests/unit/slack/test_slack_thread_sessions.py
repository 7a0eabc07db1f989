"""A Slack thread is a session (decision 0195), through the api's routes over fakes: its first mention
opens the person's session and starts its run; each message is one session message however often it
is delivered; a later mention in the thread is given to the run it started (the api's steer); the
session is listed in the person's console; another person's mention there is their own session."""

from flask.testing import FlaskClient

from shared.notify.domain.slack_threads import SlackThread
from shared.runs.domain.events import HumanResponded
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import Run, RunStatus
from shared.slack.domain.ask_task import SlackAskTask
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.runs.api_runs import PLAN, pump
from tests.support.slack.slack_events import CHANNEL
from tests.support.slack.slack_events import TEAM as EVENTS_TEAM
from tests.support.slack.thread_sessions import ADA, BO, events_fakes, say, sessions_of

ROOT = "1767600000.000100"
THREAD = SlackThread(EVENTS_TEAM, CHANNEL, ROOT).ref


def _asking() -> tuple[FakeContainer, FlaskClient, Run]:
    """Ada's first mention in the thread started a run, planned and run until it asks an approval."""
    fakes = events_fakes()
    api = client("api", fakes)
    fakes.model.script["PlanOut"] = [PLAN, PLAN]
    run_id = say(api, ADA, "Draft the launch note", "Ev0THREAD0001", ROOT)["run_id"]
    pump(fakes)
    asking = fakes.store.get_run("t1", run_id)
    assert asking is not None and asking.state.status == RunStatus.WAITING_FOR_HUMAN
    return fakes, api, asking


def test_a_threads_first_mention_opens_a_session_listed_in_the_console_once() -> None:
    fakes = events_fakes()
    api = client("api", fakes)
    first = say(api, ADA, "Draft the launch note", "Ev0THREAD0001", ROOT)
    assert first["result"] == "started"
    assert say(api, ADA, "Draft the launch note", "Ev0THREAD0001", ROOT, retry=1)["result"] == "duplicate"
    [session] = sessions_of(api, fakes, "ada")
    assert (session["origin"], session["thread"], session["agent_id"]) == ("slack", THREAD, "default")
    assert session["run_id"] == first["run_id"] and session["count"] == 1
    [message] = session["messages"]
    assert (message["request_id"], message["act"], message["state"]) == (
        "slack-Ev0THREAD0001",
        "run",
        "started",
    )
    assert message["text"] == "Draft the launch note" and message["run_id"] == first["run_id"]
    [plan] = [b for _, b, _, _ in fakes.queue.tasks if isinstance(b, PlanTask)]
    assert (
        plan.run_id == first["run_id"] and plan.trigger.thread == THREAD
    )  # its approvals come to the thread
    assert sessions_of(api, fakes, "bo") == []  # Ada's session is hers alone


def test_a_later_mention_in_the_thread_steers_the_run_it_started() -> None:
    fakes, api, asking = _asking()
    run_id = asking.run_id
    later = say(api, ADA, "Stop after the draft", "Ev0THREAD0002", "1767600001.000200", thread_ts=ROOT)
    assert later["result"] == "steered" and later["run_id"] != run_id, later
    again = say(api, ADA, "Stop after the draft", "Ev0THREAD0002", "1767600001.000200", ROOT, retry=1)
    assert again["result"] == "duplicate"
    rejected = fakes.store.get_run("t1", run_id)
    assert rejected is not None and rejected.state.status == RunStatus.CANCELLED
    [decision] = [e for e in fakes.store.list_events("t1", run_id) if isinstance(e, HumanResponded)]
    assert (decision.decision, decision.text, decision.via) == ("reject", "Stop after the draft", "slack")
    plans = [b for _, b, _, _ in fakes.queue.tasks if isinstance(b, PlanTask)]
    assert [p.run_id for p in plans] == [later["run_id"]] and plans[0].trigger.thread == THREAD
    assert plans[0].goal.endswith("Now: Stop after the draft") and "Draft the launch note" in plans[0].goal
    [session] = sessions_of(api, fakes, "ada")
    assert session["count"] == 2 and session["run_id"] == later["run_id"]
    assert [(m["act"], m["state"]) for m in session["messages"]] == [("run", "started"), ("steer", "steered")]
    told = [r for r in fakes.slack_web.replies if "Taken by the run this thread started" in str(r)]
    assert len(told) == 1  # the thread is told once what its words did


def test_a_mention_while_the_run_asks_nothing_is_refused_and_starts_nothing() -> None:
    fakes = events_fakes()
    api = client("api", fakes)
    say(api, ADA, "Draft the launch note", "Ev0THREAD0001", ROOT)  # queued, not planned yet
    queued = len(fakes.queue.tasks)
    later = say(api, ADA, "Also add the owner", "Ev0THREAD0002", "1767600001.000200", thread_ts=ROOT)
    assert later == {"result": "refused"}
    assert len(fakes.queue.tasks) == queued  # no second run
    [session] = sessions_of(api, fakes, "ada")
    last = session["messages"][-1]
    assert (last["act"], last["state"]) == ("steer", "failed") and "no run of this session" in last["reason"]
    assert any("Nothing was done with this message" in str(r) for r in fakes.slack_web.replies)


def test_another_persons_mention_in_the_thread_is_their_own_session() -> None:
    fakes, api, asking = _asking()
    run_id = asking.run_id
    bo = say(api, BO, "Stop after the draft", "Ev0THREAD0003", "1767600002.000300", thread_ts=ROOT)
    assert bo["result"] == "started" and bo["run_id"] != run_id  # his own run, with his reach
    assert any("as a run of your own" in str(r) for r in fakes.slack_web.replies)  # and he is told so
    still = fakes.store.get_run("t1", run_id)
    assert still is not None and still.state.waiting == asking.state.waiting  # Ada's run untouched
    [hers] = sessions_of(api, fakes, "ada")
    [his] = sessions_of(api, fakes, "bo")
    assert hers["thread"] == his["thread"] == THREAD and hers["session_id"] != his["session_id"]
    assert [m["request_id"] for m in hers["messages"]] == ["slack-Ev0THREAD0001"]
    assert [m["request_id"] for m in his["messages"]] == ["slack-Ev0THREAD0003"]
    [plan] = [b for _, b, _, _ in fakes.queue.tasks if isinstance(b, PlanTask)]
    assert plan.trigger.people == ["u-bo"] and "Draft the launch note" not in plan.goal


def test_a_long_question_is_asked_within_the_bounds_of_a_session_message() -> None:
    fakes = events_fakes()
    api = client("api", fakes)
    asked = say(api, ADA, "ask " + "what did we decide on pricing? " * 150, "Ev0THREAD0009", ROOT)
    assert asked == {"result": "asked"}
    [task] = [b for _, b, _, _ in fakes.queue.tasks if isinstance(b, SlackAskTask)]
    [session] = sessions_of(api, fakes, "ada")
    assert task.session_id == session["session_id"] and len(task.question) <= 2000
    assert session["messages"][0]["text"] == task.question and session["messages"][0]["act"] == "ask"
