"""Where a run was asked, in the api's run and list: a mail to an agent's address and a meeting rule's
run say so (``started_by.source``, ``what``) and link back to the mail in Gmail and the event in Google
Calendar; a run asked otherwise names no source. Gmail's link encodes the mail's untrusted Message-ID."""

import json

import pytest

from shared.mail.domain.messages import Mail, gmail_link
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import MailItem, PlanTask, Trigger, source_of
from shared.team.services.sessions import start_session
from tests.support.platform.fake_container import client
from tests.support.runs.api_runs import auth, fake_container, pump

PLAN = {
    "goal": "",
    "on_reject": "end",
    "steps": [{"tool": "finish", "args_json": json.dumps({"summary": "ok"})}],
}
EVENT = "https://www.google.com/calendar/event?eid=ZXYxIGFkYUBhY21lLmV4YW1wbGU"
MAIL = "https://mail.google.com/mail/#search/rfc822msgid%3Aabc%40acme.example"


def _shown(monkeypatch: pytest.MonkeyPatch, trigger: Trigger) -> tuple[dict[str, object], dict[str, object]]:
    """The run ``trigger`` starts, planned: its ``started_by`` and its row of ``GET /runs``."""
    fakes = fake_container(monkeypatch)
    fakes.model.script["PlanOut"] = [PLAN]
    fakes.queue.enqueue(
        Queue.PLAN, PlanTask(tenant_id="t1", run_id="r-src", goal="Brief", trigger=trigger), "p"
    )
    pump(fakes)
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run = api.get("/runs/r-src", headers=auth(token)).json
    listed = api.get("/runs", headers=auth(token)).json
    assert run is not None and listed is not None
    return run["started_by"], listed["runs"][0]


def test_a_meeting_rules_run_says_so_and_links_to_the_event(monkeypatch: pytest.MonkeyPatch) -> None:
    trigger = Trigger(
        kind="schedule",
        event_type="calendar.before",
        people=["u1"],
        rule="15 minutes before a meeting",
        link=EVENT,
    )
    by, row = _shown(monkeypatch, trigger)
    assert (by["source"], by["link"], by["what"]) == ("meeting", EVENT, "a meeting in a connected calendar")
    assert row["started"] == "a meeting in a connected calendar"  # not "a person, by hand"


def test_a_mails_run_says_so_and_links_to_the_mail(monkeypatch: pytest.MonkeyPatch) -> None:
    mail = MailItem(to="scribe@acme.example", subject="Release note")
    trigger = Trigger(kind="api", people=["u1"], thread="mail:scribe@acme.example:18c0", link=MAIL, mail=mail)
    by, row = _shown(monkeypatch, trigger)
    assert (by["source"], by["link"], by["what"]) == ("mail", MAIL, "a mail to the agent's address")
    assert row["started"] == "a mail to the agent's address"


def test_a_run_asked_otherwise_names_no_source(monkeypatch: pytest.MonkeyPatch) -> None:
    by, row = _shown(monkeypatch, Trigger(kind="api"))
    assert (by["source"], by["link"], by["what"], row["started"]) == (
        None,
        None,
        "a call to the api",
        "a call to the api",
    )


def test_source_of_a_thread_or_an_event_type() -> None:
    assert source_of("slack:T1:C1:1.2", "") == "slack" and source_of("mail:a@b:1", "") == "mail"
    assert source_of("", "calendar.after") == "meeting" and source_of("", "page.created") == ""


def _mail(message_id: str) -> Mail:
    return Mail("bo@acme.example", ("scribe@acme.example",), "s", message_id, (), "", (), ())


def test_gmails_link_encodes_the_message_id_and_is_left_out_when_unusable() -> None:
    assert gmail_link(_mail("<abc@acme.example>")) == MAIL
    crafted = gmail_link(_mail('<x"><script>@e#/../ a>'))
    assert crafted.startswith("https://mail.google.com/mail/#search/rfc822msgid%3A")
    assert not any(c in crafted.split("%3A", 1)[1] for c in '<>"# /')  # every character encoded
    assert gmail_link(_mail("")) == "" and gmail_link(_mail("<" + "a" * 600 + ">")) == ""
