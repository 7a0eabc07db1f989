"""A person opening a mailed link in a browser gets a page with one button that POSTs to the same URL,
and a page with the outcome; other clients get the JSON. Through api (functions-framework) with fakes.
"""

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from werkzeug.test import TestResponse

from functions._pages import HEADERS
from shared import bootstrap
from shared.services.sessions import start_session
from tests.unit.test_api_runs import PLAN, auth, fake_container, pump
from tests.unit.test_email_confirmation import OPS, MailContainer, choose, connected, link_of, path_of
from tests.unit.test_entry_points import FakeContainer, client

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FORM = {**BROWSER, "Content-Type": "application/x-www-form-urlencoded"}
GOAL = 'Post <script>alert("x")</script> & tidy'
PROMPT = "Publish <b>now</b>?"
# The request as code writes it: the model's summary only quoted (shared.agent.authority).
ASKED = f'Let the run go on? Any change beyond its own pages will be asked for separately. The agent\'s own words (not checked): "{PROMPT}"'
NAME = 'Acme <img src=x onerror="alert(1)">'


class Parsed(HTMLParser):
    """The page's text, its forms (method, action) and every element's name."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.forms: list[tuple[str, str | None]] = []
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "form":
            values = dict(attrs)
            self.forms.append((str(values.get("method")), values.get("action")))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def page(answer: TestResponse, status: int = 200) -> Parsed:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == "text/html"
    for name, value in HEADERS.items():
        assert answer.headers[name] == value
    csp = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "default-src 'none'" in csp
    parsed = Parsed(answer.get_data(as_text=True))
    assert "script" not in parsed.tags  # the goal's <script> is text, escaped
    return parsed


def text(parsed: Parsed) -> str:
    return " ".join(" ".join(parsed.text).split())


# -- approve / reject links ----------------------------------------------------------------------------


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def ask(fakes: FakeContainer) -> tuple[str, str, str, str]:
    """A run waiting for approval: its id, the session, and the approve and reject link paths."""
    steps = [
        {"tool": "request_approval", "args_json": json.dumps({"summary": PROMPT})},
        {"tool": "finish", "args_json": json.dumps({"summary": "done"})},
    ]
    fakes.model.script["PlanOut"] = [PLAN | {"goal": GOAL, "steps": steps}]
    token = start_session("t1", fakes.secrets)
    started = client("api").post("/runs", json={"goal": GOAL, "request_id": "r"}, headers=auth(token))
    assert started.status_code == 202 and started.json is not None
    note = pump(fakes)[-1]
    approve, reject = ("/" + str(note.data[k]).split("/", 3)[3] for k in ("approve_url", "reject_url"))
    return str(started.json["run_id"]), token, approve, reject


def status(run_id: str, token: str) -> str:
    run: Any = client("api").get(f"/runs/{run_id}", headers=auth(token)).json
    return str(run["status"])


def test_a_browser_opening_an_approve_link_sees_the_step_and_a_button_and_nothing_changes(
    fakes: FakeContainer,
) -> None:
    run_id, token, approve, reject = ask(fakes)
    shown = page(client("api").get(approve, headers=BROWSER))
    assert shown.forms == [("post", None)]  # posts to the link itself
    words = text(shown)
    assert "Approve this step?" in words and GOAL in words and f"It asks: {ASKED}" in words
    assert page(client("api").get(reject, headers=BROWSER)).forms == [("post", None)]
    assert "Reject this step?" in text(page(client("api").get(reject, headers=BROWSER)))
    assert status(run_id, token) == "waiting_for_human"  # GETs change nothing


def test_the_button_applies_the_decision_once_and_a_spent_link_shows_no_button(fakes: FakeContainer) -> None:
    run_id, token, approve, reject = ask(fakes)
    used = page(client("api").post(approve, headers=FORM, data="decision=approve"))
    assert "Your decision is recorded" in text(used) and "The run goes on." in text(used)
    assert used.forms == []
    again = page(client("api").post(approve, headers=FORM), 409)
    assert "already used" in text(again) and again.forms == []
    for link in (approve, reject):
        spent = page(client("api").get(link, headers=BROWSER))
        assert spent.forms == [] and "already used" in text(spent) and PROMPT not in text(spent)
    pump(fakes)
    assert status(run_id, token) == "completed"


def test_a_paused_run_s_link_says_to_resume_first_and_stays_usable(fakes: FakeContainer) -> None:
    run_id, token, approve, _ = ask(fakes)
    assert client("api").post(f"/runs/{run_id}/pause", headers=auth(token)).status_code == 200
    shown = page(client("api").get(approve, headers=BROWSER))
    assert shown.forms == [] and "resume it, then use this link" in text(shown)
    assert client("api").get(approve).json["usable"] is False
    assert client("api").post(f"/runs/{run_id}/resume", headers=auth(token)).status_code == 200
    assert page(client("api").get(approve, headers=BROWSER)).forms == [("post", None)]


def test_a_forged_link_is_a_401_page_that_does_not_repeat_the_token(fakes: FakeContainer) -> None:
    _, _, approve, _ = ask(fakes)
    forged = approve[:-2] + "xx"
    for method in ("GET", "POST"):
        answer = client("api").open(forged, method=method, headers=FORM)
        refused = page(answer, 401)
        assert "This link cannot be used" in text(refused) and refused.forms == []
        assert forged.rsplit("/", 1)[1] not in answer.get_data(as_text=True)


def test_clients_that_do_not_ask_for_html_get_json_as_before(fakes: FakeContainer) -> None:
    _, _, approve, _ = ask(fakes)
    for headers in (
        {},
        {"Accept": "*/*"},
        {"Accept": "application/json"},
        {"Accept": "application/json, */*"},
    ):
        shown = client("api").get(approve, headers=headers)
        assert shown.mimetype == "application/json", headers
        assert shown.json["usable"] is True and shown.json["prompt"] == ASKED and shown.json["goal"] == GOAL
    assert client("api").post(approve, headers={"Accept": "*/*"}).json == {"status": "running", "goal": GOAL}
    assert client("api").post(approve).json["reason"].startswith("this link was already used")


# -- address confirmations -----------------------------------------------------------------------------


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> MailContainer:
    container = MailContainer()
    container.tenants.save(connected().model_copy(update={"workspace_name": NAME}))
    monkeypatch.setattr(bootstrap, "container", lambda: container)
    return container


def owner(mail: MailContainer) -> dict[str, str]:
    return auth(start_session("t1", mail.secrets))


def test_a_browser_confirms_an_address_with_the_button(mail: MailContainer) -> None:
    assert choose(owner(mail), OPS).status_code == 200
    link = path_of(link_of(mail))
    shown = page(client("api").get(link, headers=BROWSER))
    assert shown.forms == [("post", None)] and "Confirm this address?" in text(shown)
    assert f"Confirm {OPS}" in text(shown) and NAME in text(shown)
    assert "img" not in shown.tags
    assert mail.tenant().confirmed_email == ""  # the GET changed nothing

    done = page(client("api").post(link, headers=FORM))
    assert "Address confirmed" in text(done) and done.forms == []
    assert mail.tenant().confirmed_email == OPS
    after = page(client("api").get(link, headers=BROWSER))
    assert "This address is confirmed" in text(after) and after.forms == []


def test_a_confirmation_link_for_an_address_no_longer_chosen_shows_no_button_and_refuses(
    mail: MailContainer,
) -> None:
    assert choose(owner(mail), OPS).status_code == 200
    link = path_of(link_of(mail))
    assert choose(owner(mail), "support@acme.example").status_code == 200
    shown = page(client("api").get(link, headers=BROWSER))
    assert "Nothing to confirm" in text(shown) and shown.forms == [] and "support@" not in text(shown)
    assert "The Notion workspace “Acme" in text(shown)  # a sentence's first letter only is raised
    refused = page(client("api").post(link, headers=FORM), 409)
    assert "changed since this link was sent" in text(refused)
    assert mail.tenant().confirmed_email == ""
