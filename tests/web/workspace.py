"""A workspace connected and set up through the api as onboarding would, and signed-in tabs on it:
what the web suite's flows share (:class:`Setup`)."""

import json
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import requests
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

from local.demo import READY, connect, wait_for
from local.notion_sandbox.model import person_email
from local.stack import PROJECT, LocalStack
from shared.platform.config import Settings
from tests.web.browser import Console, Figures

LIVE_MS = 30_000  # a live change on a busy machine
RETRY_WAIT_S = 35.0  # the console's longest wait for a 429's Retry-After (30 s), and a margin


class Setup:
    """The workspace set up as onboarding would, and a way to open signed-in tabs on it."""

    def __init__(
        self, stack: LocalStack, browser: Browser, figures: Figures, workspace: str, on_screens: bool = False
    ) -> None:
        """The owner connected (the OAuth flow a browser follows) and the workspace set up: Ideas
        chosen with the rule Status → Ready for agent, the agent's home made. ``on_screens`` (a
        person flow's module): set up on onboarding's screens, as docs/local-stack.md says; else
        with the same two calls onboarding makes."""
        self.stack, self.browser, self.figures = stack, browser, figures
        self.workspace = workspace  # the sandbox workspace's key (tests/web/conftest.py)
        self.ids: dict[str, str] = stack.sandbox_admin("GET", f"/workspaces/{workspace}/state")["ids"]
        self.auth = connect(stack)
        self.contexts: list[BrowserContext] = []
        self.answers: list[tuple[str, int]] = []  # each tab's request ("<method> <url>") and its status
        if on_screens:
            tab = self.tab()
            tab.open("/#/onboarding")
            onboard_on_screens(tab)
            tab.page.close()
            return
        rules = [{"kind": "property_changed", "property": "Status", "to": READY}]
        ideas = self.ids["ideas_data_source"]
        self.api("PATCH", "/settings", {"data_source_ids": [ideas], "triggers": {ideas: rules}})
        self.api("POST", "/home", {"parent_page_id": self.ids["home_page"], "tasks": "auto"})

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """The owner's call to the api, as a client that waits the Retry-After a 429 names, once."""
        url = self.stack.console_url + "/api" + path
        answer = requests.request(method, url, json=body, headers=self.auth, timeout=30)
        if answer.status_code == 429:  # the owner's pace (NA_API_PERSON_PER_MIN), shared with the tabs
            time.sleep(float(answer.headers.get("Retry-After", "1")))
            answer = requests.request(method, url, json=body, headers=self.auth, timeout=30)
        assert answer.ok, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.text else None

    def refused_for_pace(self) -> list[str]:
        """The tabs' requests the api refused for the person's pace (a 429) that the console did not
        send again to an answer."""
        return [
            sent
            for at, (sent, status) in enumerate(self.answers)
            if status == 429
            and not any(code < 400 and s in _served_by(sent) for s, code in self.answers[at + 1 :])
        ]

    @property
    def every_s(self) -> float:
        """How often a flow may ask the api whether something happened: an eighth of the owner's pace
        (the stack's NA_API_PERSON_PER_MIN), so that the owner's tabs keep the rest of it."""
        per_min = Settings.from_env(self.stack.env()).api_person_per_min
        return max(0.05, 8 * 60.0 / per_min)

    def within[T](self, found: Callable[[], T | None], what: str, timeout_s: float = LIVE_MS / 1000) -> T:
        """What ``found`` (a question to the api) answers once it answers something, asked at
        :attr:`every_s`, within ``timeout_s``."""
        return wait_for(found, what, timeout_s, self.every_s)

    def context(self, signed_in: bool = True, width: int = 1200) -> BrowserContext:
        context = self.browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(15_000)
        context.on("response", lambda r: self.answers.append((f"{r.request.method} {r.url}", r.status)))
        if signed_in:
            name, value = self.auth["Cookie"].split("=", 1)
            url = self.stack.console_url + "/"
            context.add_cookies(
                [{"name": name, "value": value, "url": url, "httpOnly": True, "sameSite": "Lax"}]
            )
        self.contexts.append(context)
        return context

    def tab(self, context: BrowserContext | None = None) -> Console:
        return Console((context or self.context()).new_page(), self.stack.console_url, self.figures)

    def teammate_tab(self, role: str) -> Console:
        """Grace, invited as ``role``, signed in through the sandbox's OAuth in a tab of her own."""
        made = self.api(
            "POST", "/team/invites", {"email": person_email(self.workspace, "grace"), "role": role}
        )
        self.stack.sandbox_admin("POST", "/oauth", {"user_id": self.ids["teammate"]})
        try:
            return self._joined(made["link"])
        finally:
            self.stack.sandbox_admin("POST", "/oauth", {"user_id": None})

    def teammate_joins_on_screens(self, role: str) -> Console:
        """Grace, invited as ``role`` by the owner on the Team screen, joins as a person does on
        ``make stack``: she picks herself on the Notion sandbox's screen ("Sign in as Grace Hopper
        next"), opens the invite link and connects. Then the screen signs the owner in next again."""
        owner = self.tab()
        owner.open("/#/team")
        owner.fill("Their Notion email", person_email(self.workspace, "grace"))
        owner.choose("Their role", role)
        owner.press("button", "Make the invite")
        link = owner.page.get_by_label("The link")
        expect(link).to_have_value(re.compile("invite="), timeout=LIVE_MS)
        invite = link.input_value()
        self._sign_in_next("Grace Hopper (admin)")
        try:
            return self._joined(invite)
        finally:
            self._sign_in_next("Ada Lovelace (owner)")

    def _sign_in_next(self, person: str) -> None:
        """On the Notion sandbox's screen, acting as ``person`` ("<name> (<their Notion role>)"),
        "Sign in as <name> next": Notion's next consent signs that person in."""
        s = Console(self.context(signed_in=False).new_page(), self.stack.sandbox_url, self.figures)
        s.open(f"/screen/{self.workspace}/")
        s.choose("Acting as", person)
        s.press("button", "Switch person")
        name = person.split(" (", 1)[0]
        s.press("button", f"Sign in as {name} next")
        expect(s.page.get_by_role("status")).to_contain_text("The next Notion sign-in")
        s.page.close()

    def _joined(self, invite: str) -> Console:
        """A tab of its own that opened the invite link and connected: signed in once Team shows."""
        m = self.tab(self.context(signed_in=False))
        m.page.goto(invite)
        m.press("button", "Connect Notion")
        expect(m.page.get_by_role("link", name="Team", exact=True)).to_be_visible(timeout=LIVE_MS)
        return m

    def searched_runs(self, shown: str, label: str, words: str) -> tuple[Console, Locator]:
        """The Runs screen in a new tab, once it lists the run ``shown``, searched for ``words`` in the box
        labelled ``label``: the tab, and the table's rows (asserted to be one)."""
        c = self.tab()
        c.open("/#/runs")
        title = self.api("GET", f"/runs/{shown}")["title"]
        expect(c.page.get_by_label(f"Choose {title}")).to_be_visible(timeout=LIVE_MS)
        c.page.get_by_label(label).fill(words)
        c.press("button", "Search")
        rows = c.page.locator("table tbody tr")
        expect(rows).to_have_count(1, timeout=LIVE_MS)
        return c, rows

    def owner_may_decide(self, run_id: str, refusal: str) -> None:
        """The owner's tab on the run ``run_id`` offers Approve, without the words ``refusal`` another
        role's tab shows."""
        owner = self.tab()
        owner.open(f"/#/runs/{run_id}")
        expect(owner.page.get_by_role("button", name="Approve")).to_be_enabled(timeout=LIVE_MS)
        expect(owner.page.get_by_text(refusal)).to_have_count(0)

    def act(self, method: str, path: str, body: Any) -> None:
        """The owner changes something in Notion; the sandbox delivers the webhook it causes."""
        call = {"method": method, "path": path, "body": body, "user_id": self.ids["owner"]}
        answer = self.stack.sandbox_admin("POST", f"/workspaces/{self.workspace}/act", call)
        assert answer["status"] == 200, answer
        self.stack.sandbox_admin("POST", "/webhook/flush", {"timeout": 10, "force": True})

    def waiting_run(self, change: Callable[[], None] | None = None) -> str:
        """A run the Ideas rule started, waiting for the owner's approval: its id. ``change``: how the
        idea's Status is set to Ready for agent (a person on the sandbox's screen); else through the
        sandbox's admin API, from New, whatever it held."""
        before = {r["run_id"] for r in self.api("GET", "/runs")["runs"]}
        page = self.ids["idea_newsletter"]
        if change is not None:
            change()
        for status in ("New", READY) if change is None else ():  # each time a change to Ready for agent
            self.act("PATCH", f"pages/{page}", {"properties": {"Status": {"status": {"name": status}}}})

        def waiting() -> str | None:
            listed = self.api("GET", "/runs?status=waiting_for_human")["runs"]
            return next((str(r["run_id"]) for r in listed if r["run_id"] not in before), None)

        return self.within(waiting, "a run to wait for the owner")

    def started_run(self, goal: str, page_id: str = "") -> str:
        """A run the owner started with ``goal`` (on ``page_id``, if any), once planned: its id."""
        run_id = str(
            self.api("POST", "/runs", {"goal": goal} | ({"page_id": page_id} if page_id else {}))["run_id"]
        )
        path = self.stack.console_url + "/api/runs/" + urllib.parse.quote(run_id)

        def planned() -> bool:
            return requests.get(path, headers=self.auth, timeout=10).status_code == 200

        self.within(planned, "the run to be planned")
        return run_id


def _served_by(sent: str) -> tuple[str, ...]:
    """The requests whose answer serves what ``sent`` asked: itself, and for a refused stream
    (``GET …/events``) the read the console polls in its place (``GET …``), as a person sees it."""
    if sent.endswith("/events"):
        return (sent, sent.removesuffix("/events"))
    return (sent,)


def onboard_on_screens(c: Console) -> None:
    """On onboarding's screen (the console shows it after a first Connect), the newcomer does what
    docs/local-stack.md's "By hand" says: Ideas chosen with the rule "A property changes", Status,
    changed to Ready for agent; the agent's home page picked; saved: the console says so."""
    pace_ms = 2 * LIVE_MS  # make stack's own pace (Notion's 3 requests a second) on a busy machine
    expect(c.page.get_by_role("heading", level=1, name="Set up Notion Agent")).to_be_visible(timeout=pace_ms)
    c.fill("Search what the agent can see", "Ideas")
    c.press("button", "Search")
    c.tick("Ideas database")
    c.tick("A property changes")
    c.choose("Property name", "Status")
    c.choose("Changed to (optional)", READY)
    c.fill("Search what the agent can see", "Notion Agent home")
    c.press("button", "Search")
    c.tick("Notion Agent home page")
    c.choose("Page for the agent's home", "Notion Agent home")
    c.press("button", "Save and finish")
    expect(c.page.get_by_role("heading", level=1, name="You are set up")).to_be_visible(timeout=pace_ms)


@contextmanager
def set_up(
    stack: LocalStack, browser: Browser, figures: Figures, workspace: str, on_screens: bool = False
) -> Iterator[Setup]:
    """A module's workspace (:class:`Setup`, set up on onboarding's screens if ``on_screens``); its
    browser contexts closed at the end. A 429 its tabs met was waited out and sent again by the
    console: a person doing its flows at the stack's pace (``make stack``'s, for a person flow) is
    never left with a refusal."""
    made = Setup(stack, browser, figures, workspace, on_screens)
    try:
        yield made
    finally:
        close_tabs(made)
    refused = made.refused_for_pace()
    assert refused == [], f"the tabs were left with a 429 (too many requests from you): {refused}"


def close_tabs(made: Setup, since: int = 0) -> None:
    """The browser contexts ``made`` opened from the ``since``-th on closed (tests/web/conftest.py
    closes a flow's own once it ends: an open tab keeps polling the api), once their 429s were
    waited out (:func:`let_retries_land`); the earlier ones stay open."""
    let_retries_land(made)
    for context in made.contexts[since:]:
        context.close()
    del made.contexts[since:]


def let_retries_land(made: Setup) -> None:
    """Before the tabs close: a request refused with a 429 whose Retry-After the console is still
    waiting out (at most PACE_WAIT_MAX_S, web/src/api.ts) is given that time to be sent again, as a
    person's open tab would; one never sent again still fails the module."""
    deadline = time.monotonic() + RETRY_WAIT_S
    while made.refused_for_pace() and time.monotonic() < deadline:
        pages = [page for context in made.contexts for page in context.pages]
        if not pages:
            return
        pages[0].wait_for_timeout(500)  # the browser's events are taken in while it waits


def within[T](found: Callable[[], T | None], what: str) -> T:
    """What ``found`` answers once it answers something, within a live change's time."""
    return wait_for(found, what, LIVE_MS / 1000)


def mention_agent(setup: Setup, page_title: str, text: str) -> None:
    """A person mentions the agent in a comment saying ``text`` on the page ``page_title``, on the
    sandbox's screen (as in Notion): the sandbox says it sent the ``comment.created`` event."""
    s = Console(setup.context(signed_in=False).new_page(), setup.stack.sandbox_url, setup.figures)
    s.open(f"/screen/{setup.workspace}/")
    s.press("link", page_title, exact=True)
    expect(s.page.get_by_role("heading", level=1, name=page_title)).to_be_visible()
    s.choose("Mention", "Notion Agent (the agent)")
    s.fill("Comment", text)
    s.press("button", "Comment")
    expect(s.page.get_by_role("status")).to_contain_text("comment.created")


def set_on_screen(setup: Setup, page_title: str, values: dict[str, str]) -> None:
    """The owner sets the page ``page_title``'s properties (name: option, e.g. Status) one after the
    other on the Notion sandbox's screen, as in Notion, saving each: the screen says the event is sent."""
    s = Console(setup.context(signed_in=False).new_page(), setup.stack.sandbox_url, setup.figures)
    s.open(f"/screen/{setup.workspace}/")
    s.press("link", page_title, exact=True)
    expect(s.page.get_by_role("heading", level=1, name=page_title)).to_be_visible()
    for name, option in values.items():
        s.choose(name, option)
        s.press("button", "Save properties")
        expect(s.page.get_by_role("status")).to_contain_text("page.properties_updated")
    s.page.close()


def teammate_adds(stack: LocalStack, workspace: str, teammate: str, page_id: str, text: str) -> None:
    """The teammate (Notion user ``teammate``) adds a paragraph saying ``text`` to the page ``page_id``
    in Notion (the sandbox's workspace ``workspace``)."""
    block = {
        "object": "block",
        "type": "paragraph",
        "paragraph": {"rich_text": [{"text": {"content": text}}]},
    }
    body = {"children": [block]}
    call = {"method": "PATCH", "path": f"/v1/blocks/{page_id}/children", "body": body, "user_id": teammate}
    assert stack.sandbox_admin("POST", f"/workspaces/{workspace}/act", call)["status"] == 200


def connect_by_token(c: Console, tokens: dict[str, str], titles: dict[str, str]) -> None:
    """On the integrations screen, each integration (name: its card's title) connected with its token
    from ``tokens`` (what `make stack` prints), as a person would: its card says so once done."""
    c.open("/#/integrations")
    for name, title in titles.items():
        expect(c.page.get_by_role("heading", name=f"{title} Not connected")).to_be_visible(timeout=LIVE_MS)
        c.page.get_by_label(f"{title} token").fill(tokens[name])
        c.press("button", f"Connect {title}")
        expect(c.page.get_by_role("heading", name=f"{title} Connected")).to_be_visible(timeout=LIVE_MS)


def index_pages(stack: LocalStack, workspace: str, tenant_id: str, pages: dict[str, str]) -> None:
    """Pages (title: text) a person made under the demo's home page of ``workspace``, put in the
    tenant's index by the index's own code (the Notion adapter on the sandbox, WordLlama, the stack's
    Firestore), as an index task does."""
    from google.cloud import firestore

    from shared.memory.adapters.firestore_passages import FirestorePassages
    from shared.memory.adapters.local_embedder import LocalEmbedder
    from shared.memory.services.workspace_index import index_page
    from shared.notion.adapters.notion import NotionApi, build_client

    home = stack.sandbox_admin("GET", f"/workspaces/{workspace}/state")["ids"]["home_page"]
    token = next(
        w["access_token"] for w in stack.sandbox_admin("GET", "/workspaces") if w["key"] == workspace
    )
    notion = NotionApi(build_client(stack.sandbox_url, 20.0), 1.0, 1000.0, 1000).with_token(token)
    with mock.patch.dict(os.environ, {"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{stack.firestore_port}"}):
        store = FirestorePassages(firestore.Client(project=PROJECT))
    model = LocalEmbedder()
    for title, text in pages.items():
        paragraph = {"rich_text": [{"type": "text", "text": {"content": text}}]}
        body = {
            "parent": {"page_id": home},
            "properties": {"title": {"title": [{"text": {"content": title}}]}},
            "children": [{"type": "paragraph", "paragraph": paragraph}],
        }
        call = {"method": "POST", "path": "/v1/pages", "body": body}
        made = stack.sandbox_admin("POST", f"/workspaces/{workspace}/act", call)
        assert made["status"] == 200, made
        assert index_page(tenant_id, made["response"]["id"], notion, model, store).embedded >= 1


def send_in_session(c: Console, text: str, act: str) -> None:
    """On a session's screen, a message sent as the person does it: its words, then the radio of
    ``act`` (Ask, Run, Steer the run) chosen by keyboard, then Send."""
    c.fill("Your message", text)
    radio = c.page.get_by_role("radio", name=re.compile(f"^{act}"))
    expect(radio).to_be_enabled(timeout=LIVE_MS)
    radio.focus()  # a radio group is one stop of Tab; Space chooses the one focused
    c.page.keyboard.press("Space")
    expect(radio).to_be_checked()
    c.press("button", "Send", exact=True)


def refuse_once(page: Page, pattern: str, retry_after_s: int) -> list[str]:
    """The first request of ``page`` to ``pattern`` answered 429 for the person's pace (its
    Retry-After ``retry_after_s``), the others let through: the refused URLs, filled as it happens."""
    refused: list[str] = []

    def once(route: Route) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.url)
        reason = f"too many requests from you (at most 40 in 20 s): wait {retry_after_s} s (Retry-After), then go on"
        body = json.dumps({"error": "rate_limited", "reason": reason})
        route.fulfill(
            status=429,
            headers={"Retry-After": str(retry_after_s)},
            content_type="application/json",
            body=body,
        )

    page.route(pattern, once)
    return refused


def said_in_slack(setup: Setup, text: str) -> tuple[str, dict[str, Any]]:
    """The owner says ``text`` to the app in the code sandbox's Slack (its sender delivers it signed to
    the api's events route): the run it started (asserted) and the sender's answer."""
    owner = setup.api("GET", "/team")["members"][0]["email"]
    said = requests.post(
        setup.stack.code_sandbox_url + "/_sandbox/slack/say",
        # One Slack user per owner: the sandbox keeps the email a user was first said with.
        json={"user": "owner-" + re.sub(r"[^a-z0-9]+", "-", owner.lower()), "email": owner, "text": text},
        timeout=30,
    ).json()
    delivered = said["delivered"]
    assert delivered["status"] == 200 and '"started"' in delivered["body"], said
    found = re.search(r'"run_id":\s*"([^"]+)"', delivered["body"])
    assert found is not None, said
    return found[1], said


def planned_by(setup: Setup, run_id: str, key: str) -> str | None:
    """``started_by[key]`` of the run once it is planned; None before."""
    answer = requests.get(f"{setup.stack.console_url}/api/runs/{run_id}", headers=setup.auth, timeout=10)
    by = answer.json().get("started_by") if answer.status_code == 200 else None
    return by[key] if by else None
