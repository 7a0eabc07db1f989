"""A person opening a mailed link: its token is in the fragment, so the GET is of a fixed page (no token
in any URL a server sees); the page's script POSTs the token to preview, and its button to use it.
Through api (functions-framework) with fakes; the script itself run by node against a local api."""

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from werkzeug.test import TestResponse

from functions._http import app
from functions._pages import HEADERS
from local.wsgi_thread import ThreadedServer
from shared.notify.services.links import LinkMinter
from shared.team.services.sessions import start_session
from tests.api_fakes import FakeContainer, client, json_body
from tests.link_tokens import decision_tokens, fragment
from tests.support.notify.email_confirmation import OPS, MailContainer, choose, connected, link_of
from tests.support.notify.link_pages import BROWSER, GOAL, PROMPT, open_in_node, waiting
from tests.support.runs.api_runs import auth, fake_container, pump


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


# The request as code writes it: the model's summary only quoted (shared.engine.agent.approvals).
ASKED = f'Let the run go on? Any change beyond its own pages will be asked for separately. The agent\'s own words (not checked): "{PROMPT}"'
NAME = 'Acme <img src=x onerror="alert(1)">'


class Parsed(HTMLParser):
    """The page's text, its forms and every element's name, and its scripts' text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        (self.scripts if self.lasttag == "script" else self.text).append(data)


def shell(c: FakeContainer, path: str) -> Parsed:
    """The page at ``path``: fixed, its one inline script allowed by hash, no form, nothing of a link."""
    answer = client("api", c).get(path, headers=BROWSER)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    for name, value in HEADERS.items():
        assert answer.headers[name] == value
    parsed = Parsed(answer.get_data(as_text=True))
    [script] = parsed.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = answer.headers["Content-Security-Policy"]
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "form" not in parsed.tags and ".innerHTML" not in script  # text set as text, never as HTML
    return parsed


def words(answer: TestResponse, status: int = 200) -> dict[str, Any]:
    """The page words an answer gives the script."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    page: dict[str, Any] = json_body(answer)["page"]
    return page


def said(page: dict[str, Any]) -> str:
    return " ".join([page["title"], page["quote"], *page["paragraphs"], page["button"]])


# -- approve / reject links ----------------------------------------------------------------------------


def ask(fakes: FakeContainer) -> tuple[str, str, str, str]:
    """A run waiting for approval: its id, the session, and the approve and reject tokens notify mails."""
    run_id, token, note = waiting(fakes)
    approve, reject = decision_tokens(fakes, note)
    return run_id, token, approve, reject


def status(c: FakeContainer, run_id: str, token: str) -> str:
    run: Any = client("api", c).get(f"/runs/{run_id}", headers=auth(token)).json
    return str(run["status"])


def preview(c: FakeContainer, token: str) -> TestResponse:
    return client("api", c).post("/links/preview", json={"token": token})


def decide(c: FakeContainer, token: str) -> TestResponse:
    return client("api", c).post("/links/decide", json={"token": token})


def test_the_page_a_link_opens_is_fixed_and_a_preview_shows_the_step_and_changes_nothing(
    fakes: FakeContainer,
) -> None:
    run_id, token, approve, reject = ask(fakes)
    page = shell(fakes, "/links")
    assert "Opening the link" in " ".join(page.text) and approve not in " ".join(page.text)
    shown = words(preview(fakes, approve))
    assert shown["title"] == "Approve this step?" and shown["quote"] == GOAL and shown["button"] == "Approve"
    assert f"It asks: {ASKED}" in shown["paragraphs"]
    assert words(preview(fakes, reject))["title"] == "Reject this step?"
    assert status(fakes, run_id, token) == "waiting_for_human"  # the page and previews change nothing


def test_the_button_applies_the_decision_once_and_a_spent_link_shows_no_button(fakes: FakeContainer) -> None:
    run_id, token, approve, reject = ask(fakes)
    used = words(decide(fakes, approve))
    assert used["title"] == "Your decision is recorded" and "The run goes on." in used["paragraphs"]
    assert used["button"] == ""
    again = words(decide(fakes, approve), 409)
    assert "already used" in said(again) and again["button"] == ""
    for link in (approve, reject):
        spent = words(preview(fakes, link))
        assert spent["button"] == "" and "already used" in said(spent) and PROMPT not in said(spent)
    pump(fakes)
    assert status(fakes, run_id, token) == "completed"


def test_a_paused_run_s_link_says_to_resume_first_and_stays_usable(fakes: FakeContainer) -> None:
    run_id, token, approve, _ = ask(fakes)
    assert client("api", fakes).post(f"/runs/{run_id}/pause", headers=auth(token)).status_code == 200
    shown = preview(fakes, approve)
    assert shown.json is not None and shown.json["usable"] is False
    assert words(shown)["button"] == "" and "resume it, then use this link" in said(words(shown))
    assert client("api", fakes).post(f"/runs/{run_id}/resume", headers=auth(token)).status_code == 200
    assert words(preview(fakes, approve))["button"] == "Approve"


def test_a_forged_or_missing_token_is_refused_without_repeating_it(fakes: FakeContainer) -> None:
    _, _, approve, _ = ask(fakes)
    forged = approve[:-2] + "xx"
    for answer in (preview(fakes, forged), decide(fakes, forged)):
        assert words(answer, 401)["title"] == "This link cannot be used"
        assert forged not in answer.get_data(as_text=True)
    for body in ({}, {"token": ""}, {"token": 7}, {"token": "x" * 5000}):
        refused = client("api", fakes).post("/links/decide", json=body)
        assert (
            refused.status_code == 400
            and refused.json is not None
            and refused.json["fields"] == [{"field": "token"}]
        )


def test_a_link_mailed_with_its_token_in_the_path_redirects_to_the_page_and_decides_nothing(
    fakes: FakeContainer,
) -> None:
    run_id, token, approve, _ = ask(fakes)
    moved = client("api", fakes).get(f"/links/{approve}", headers=BROWSER)
    assert (
        moved.status_code == 303 and moved.headers["Location"] == f"{fakes.settings.api_url}/links#{approve}"
    )
    assert moved.headers["Referrer-Policy"] == "no-referrer"
    assert client("api", fakes).post(f"/links/{approve}").status_code == 405  # no decision by such a path
    assert status(fakes, run_id, token) == "waiting_for_human"


@pytest.fixture
def api_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeContainer, str]]:
    """The api of fakes over HTTP on 127.0.0.1, for node to open a link's page against."""
    # A missing node fails the test (never a skip that CI would pass over): the page's script runs there.
    assert shutil.which("node") is not None, "node is needed to run the link page's script: install Node.js"
    container = fake_container(monkeypatch)
    with ThreadedServer(app("api", container), "api") as server:
        yield container, server.url


def test_the_mailed_link_works_in_a_script_engine_and_only_posts_carry_the_token(
    api_server: tuple[FakeContainer, str],
) -> None:
    fakes, api_url = api_server
    run_id, token, note = waiting(fakes)
    link = LinkMinter(fakes.secrets, api_url, 3600.0).links(note, fakes.tenants.tenants["t1"]).approve
    looked = open_in_node(link, click=False)
    assert [(r["method"], r["path"]) for r in looked["requests"]] == [("POST", "/links/preview")]
    assert looked["addressBar"] == f"{api_url}/links"  # the token leaves the address bar
    [shown] = looked["shown"]
    assert [e["tag"] for e in shown] == ["h1", "blockquote", "p", "p", "button"]
    assert shown[0]["text"] == "Approve this step?" and shown[1]["text"] == GOAL
    assert status(fakes, run_id, token) == "waiting_for_human"

    used = open_in_node(link, click=True)
    assert [r["path"] for r in used["requests"]] == ["/links/preview", "/links/decide"]
    assert all(json.loads(r["body"]) == {"token": fragment(link)} for r in used["requests"])
    assert used["shown"][-1][0]["text"] == "Your decision is recorded" and used["title"].startswith("Your")
    assert status(fakes, run_id, token) == "running"


# -- address confirmations -----------------------------------------------------------------------------


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> MailContainer:
    container = MailContainer()
    container.tenants.save(connected().model_copy(update={"workspace_name": NAME}))
    return container


def owner(mail: MailContainer) -> dict[str, str]:
    return auth(start_session("t1", mail.secrets))


def confirm_preview(c: FakeContainer, token: str) -> TestResponse:
    return client("api", c).post("/email-confirmations/preview", json={"token": token})


def test_a_browser_confirms_an_address_with_the_button(mail: MailContainer) -> None:
    assert choose(mail, owner(mail), OPS).status_code == 200
    link = link_of(mail)
    assert link.startswith(f"{mail.settings.api_url}/email-confirmations#")
    shell(mail, "/email-confirmations")
    token = fragment(link)
    shown = words(confirm_preview(mail, token))
    assert shown["title"] == "Confirm this address?" and shown["button"] == f"Confirm {OPS}"
    assert NAME in said(shown)  # the owner's words, set as text by the script
    assert mail.tenant().confirmed_email == ""  # the GET and the preview changed nothing

    done = words(client("api", mail).post("/email-confirmations/confirm", json={"token": token}))
    assert done["title"] == "Address confirmed" and done["button"] == ""
    assert mail.tenant().confirmed_email == OPS
    after = words(confirm_preview(mail, token))
    assert after["title"] == "This address is confirmed" and after["button"] == ""


def test_a_confirmation_link_for_an_address_no_longer_chosen_shows_no_button_and_refuses(
    mail: MailContainer,
) -> None:
    assert choose(mail, owner(mail), OPS).status_code == 200
    token = fragment(link_of(mail))
    assert choose(mail, owner(mail), "support@acme.example").status_code == 200
    shown = words(confirm_preview(mail, token))
    assert shown["title"] == "Nothing to confirm" and shown["button"] == "" and "support@" not in said(shown)
    assert "The Notion workspace “Acme" in said(shown)  # a sentence's first letter only is raised
    refused = words(client("api", mail).post("/email-confirmations/confirm", json={"token": token}), 409)
    assert "changed since this link was sent" in said(refused)
    assert mail.tenant().confirmed_email == ""


def test_a_confirmation_link_mailed_with_its_token_in_the_path_redirects_to_the_page(
    mail: MailContainer,
) -> None:
    moved = client("api", mail).get("/email-confirmations/abc.def", headers=BROWSER)
    assert moved.status_code == 303
    assert moved.headers["Location"] == f"{mail.settings.api_url}/email-confirmations#abc.def"
    assert client("api", mail).post("/email-confirmations/abc.def").status_code == 405


@pytest.mark.parametrize("path", ["/links", "/email-confirmations"])
@pytest.mark.parametrize("mangled", ["abc%0D.def", "abc.def%0D", "abc%0Ddef%0D%0D", "abc%20def"])
def test_a_path_token_with_a_line_break_or_space_is_a_clear_400(
    fakes: FakeContainer, path: str, mangled: str
) -> None:
    answer = client("api", fakes).get(f"{path}/{mangled}", headers=BROWSER)
    assert answer.status_code == 400 and "Location" not in answer.headers
    body = answer.json
    assert body is not None and "this link is malformed" in body["reason"] and "abc" not in body["reason"]
