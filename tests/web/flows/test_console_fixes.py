"""The console's bugs, each held by a flow in a real browser: half-filled settings refused
beside their field; a run link that names no run, or opened signed out; a decision lost to another
tab; other tabs after a sign-out or a disconnect. One workspace, connected and set up by the api."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from local.demo import connect
from tests.web.browser import Console, Figures
from tests.web.workspace import LIVE_MS, Setup

pytestmark = pytest.mark.e2e


def described(page: Page, label: str, says: str) -> None:
    """The field ``label`` is marked invalid and its description (beside it) says ``says``."""
    field = page.get_by_label(label).first
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(says, re.IGNORECASE))


def test_settings_half_filled_are_refused_in_words_beside_their_field(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/settings")
    expect(c.page.get_by_role("heading", level=1, name="Settings")).to_be_visible()
    expect(c.page.get_by_text("What the agent knows: Ideas.")).to_be_visible()  # by title, not by id
    before = setup.api("GET", "/settings")["settings"]
    c.fill("Planning hour (0 to 23)", "")  # once saved as midnight
    c.fill("Quiet from (hour)", "22")  # a start without an end: once dropped
    c.fill("Per run", "9")  # above the day's 5: once accepted
    c.fill("Slack channel id (optional, C…)", "general")
    c.press("button", "Save settings")
    described(c.page, "Planning hour (0 to 23)", "hour from 0 to 23")
    described(c.page, "Quiet until (hour)", "end")
    described(c.page, "Per run", "at most what a day")
    expect(c.page.get_by_label("Planning hour (0 to 23)")).to_be_focused()  # the first field to change
    assert setup.api("GET", "/settings")["settings"] == before
    c.fill("Planning hour (0 to 23)", "7")
    c.fill("Quiet until (hour)", "6")
    c.fill("Per run", "2")
    c.press("button", "Save settings")
    # The api's own reason for the Slack id, in words beside it (never the validator's pattern)
    described(c.page, "Slack channel id (optional, C…)", "Slack channel id")
    expect(c.page.get_by_text("String should match pattern")).to_have_count(0)
    c.screen("settings-refused", "Settings")
    c.fill("Slack channel id (optional, C…)", "")
    c.press("button", "Save settings")
    expect(c.page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    saved = setup.api("GET", "/settings")["settings"]
    assert (saved["planning_hour"], saved["quiet_hours"], saved["max_cost_per_run_usd"]) == (7, [22, 6], 2)


def test_a_property_rule_without_its_property_is_refused_not_dropped(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/onboarding")
    name = c.page.get_by_label("Property name").first
    expect(name).to_have_value("Status")
    before = setup.api("GET", "/settings")["settings"]["triggers"]
    # Picked from the schema: Ideas' properties, and Status's options
    labels = "el => [...el.options].map(o => o.label)"
    expect(name).to_have_js_property("tagName", "SELECT")  # a text box until the schema is read
    assert name.evaluate(labels) == ["Choose a property…", "Name", "Status"]
    to = c.page.get_by_label("Changed to (optional)").first
    expect(to).to_have_js_property("tagName", "SELECT")
    assert to.evaluate(labels) == ["Any value", "New", "Exploring", "Ready for agent", "Done"]
    c.choose("Property name", "Choose a property…")
    c.press("button", "Save and finish")
    described(c.page, "Property name", "name the property")
    expect(c.page.get_by_role("heading", level=1, name="You are set up")).to_have_count(0)
    assert setup.api("GET", "/settings")["settings"]["triggers"] == before


def test_the_picker_offers_every_database_by_title_and_never_the_agents_own(setup: Setup) -> None:
    runs = setup.api("GET", "/home")["databases"]["runs"]["data_source_id"]
    for n in range(30):  # the agent's own rows, edited after Tasks and Ideas: once they filled the picker
        title = {"Goal": {"title": [{"text": {"content": f"Run row {n}"}}]}}
        setup.act("POST", "pages", {"parent": {"data_source_id": runs}, "properties": title})
    c = setup.tab()
    c.open("/#/onboarding")
    # The seeded Tasks, and the home's, told apart
    for name in ("Ideas database", "Tasks database", "Tasks database in the agent's home"):
        expect(c.page.get_by_role("checkbox", name=name, exact=True)).to_be_visible(timeout=LIVE_MS)
    for name in ("Runs database", "Daily plans database", "Run row 3 page"):
        expect(c.page.get_by_role("checkbox", name=name)).to_have_count(0)
    expect(c.page.get_by_text("Chosen: Ideas.")).to_be_visible()  # a title, not the id
    expect(c.page.get_by_role("group", name="What starts work in Ideas")).to_be_visible()
    c.screen("onboarding-picker", "Set up Notion Agent")


def test_setup_left_unfinished_is_offered_again_and_focus_starts_each_screen(setup: Setup) -> None:
    before = setup.api("GET", "/settings")["settings"]
    setup.api("PATCH", "/settings", {"data_source_ids": []})
    try:
        c = setup.tab()
        c.open("/#/runs")
        expect(c.page.get_by_role("heading", name="Setup is not finished")).to_be_visible()
        c.press("link", "Finish setting up")
        expect(c.page.get_by_role("heading", level=1, name="Set up Notion Agent")).to_be_visible()
        expect(c.page.locator("#main")).to_be_focused()  # not left on the link, now gone
    finally:
        chosen = {k: before[k] for k in ("data_source_ids", "triggers")}
        setup.api("PATCH", "/settings", chosen)


def test_a_run_link_naming_no_run_says_so_and_stops_asking(setup: Setup) -> None:
    c = setup.tab()
    c.open("/#/runs/api-0000000000000000")
    expect(c.page.get_by_text("No run of this workspace has this link")).to_be_visible(timeout=LIVE_MS)
    seen = len([u for u in c.requests if "/api/runs/api-0000000000000000" in u])
    c.page.wait_for_timeout(5_000)
    assert len([u for u in c.requests if "/api/runs/api-0000000000000000" in u]) == seen  # no more polling
    expect(c.page.get_by_text("being planned")).to_have_count(0)


def test_a_decision_another_tab_made_first_is_said_not_hidden(setup: Setup) -> None:
    run_id = setup.waiting_run()
    context = setup.context()
    first, second = setup.tab(context), setup.tab(context)
    # the second tab hears nothing by the run's event stream either: it polls (frozen below)
    second.page.route(re.compile(r"/api/runs/[^/?]+/events"), lambda route: route.abort())
    for tab in (first, second):
        tab.open(f"/#/runs/{run_id}")
        expect(tab.page.get_by_role("button", name="Approve")).to_be_visible(timeout=LIVE_MS)
    # The shell counts what waits for the person, on every screen
    expect(first.page.get_by_role("link", name="1 waiting for you")).to_be_visible(timeout=LIVE_MS)
    stale: dict[str, Any] = {}

    def frozen(route: Route) -> None:  # the second tab does not hear of the change before it acts
        if "body" not in stale:
            stale["body"] = route.fetch().text()
        route.fulfill(status=200, body=stale["body"], content_type="application/json")

    second.page.route(re.compile(r"/api/runs/[^/?]+$"), frozen)
    second.page.wait_for_timeout(2_500)
    first.press("button", "Approve")
    expect(first.page.get_by_text("Completed").first).to_be_visible(timeout=LIVE_MS)
    second.press("button", "Approve")
    alert = second.page.get_by_role("alert")
    expect(alert).to_contain_text("already decided", timeout=LIVE_MS)
    second.page.unroute(re.compile(r"/api/runs/[^/?]+$"))
    expect(second.page.get_by_text("Completed").first).to_be_visible(timeout=LIVE_MS)
    expect(alert).to_contain_text("already decided")  # still said once the run moved on


def test_a_run_link_opened_signed_out_is_where_connecting_lands(setup: Setup) -> None:
    run_id = setup.started_run("Summarise the open ideas")
    c = setup.tab(setup.context(signed_in=False))
    c.open(f"/#/runs/{run_id}")
    expect(c.page.get_by_role("heading", level=1, name="Connect your Notion workspace")).to_be_visible()
    c.press("button", "Connect Notion")
    heading = c.page.get_by_role("heading", level=1, name="Summarise the open ideas")
    expect(heading).to_be_visible(timeout=LIVE_MS)
    assert c.page.url.endswith(f"#/runs/{run_id}")


def test_an_api_key_is_copied_by_a_button_and_deleted_only_once_confirmed(setup: Setup) -> None:
    context = setup.context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=setup.stack.console_url)
    c = setup.tab(context)
    c.open("/#/keys")
    c.fill("What it is for", "Nightly export")
    c.press("button", "Make the key")
    shown = c.page.get_by_role("textbox", name="The key")
    expect(shown).to_be_focused()
    key = shown.input_value()
    c.press("button", "Copy the key")
    expect(c.page.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert c.page.evaluate("navigator.clipboard.readText()") == key
    c.press("button", "I have copied it")
    c.press("button", "Delete the key Nightly export")
    names = [k["name"] for k in setup.api("GET", "/api-keys")["api_keys"]]
    assert "Nightly export" in names  # one press deleted nothing
    expect(c.page.get_by_role("button", name="Yes, delete the key Nightly export")).to_be_focused()
    c.screen("api-key-confirm", "API keys")
    c.press("button", "Yes, delete the key Nightly export")
    expect(c.page.get_by_text("Nightly export")).to_have_count(0)
    assert "Nightly export" not in [k["name"] for k in setup.api("GET", "/api-keys")["api_keys"]]


def test_settings_say_whether_the_notification_email_is_confirmed(setup: Setup) -> None:
    setup.api("PATCH", "/settings", {"notification_email": "ops@acme.example"})
    c = setup.tab()
    c.open("/#/settings")
    expect(
        c.page.get_by_text("Not confirmed yet: email notifications go to ops@acme.example")
    ).to_be_visible()
    setup.api("PATCH", "/settings", {"notification_email": None})


LONG_GOAL = "Summarise_the_" * 25 + "ideas"  # one word of 330 characters: once it widened every screen
PHONE = 390


def test_every_screen_fits_a_phone_and_long_titles_fit_a_desktop(setup: Setup, figures: Figures) -> None:
    run_id = setup.started_run(LONG_GOAL)
    title = setup.api("GET", f"/runs/{run_id}")["title"]  # the goal, cut to a title
    assert title.startswith("Summarise_the_") and title.endswith("…") and len(title) == 100
    phone = setup.tab(setup.context(width=PHONE))
    phone.page.set_viewport_size({"width": PHONE, "height": 844})
    phone.open("/#/keys")
    phone.fill("What it is for", "A phone's script with a rather long name")
    phone.press("button", "Make the key")
    expect(phone.page.get_by_role("textbox", name="The key")).to_be_visible()
    screens = [
        ("", "runs", "Runs"),
        (f"runs/{run_id}", "run", title),
        ("usage", "usage", "Usage"),
        ("notifications", "notifications", "Notifications"),
        ("integrations", "integrations", "Integrations"),
        ("settings", "settings", "Settings"),
        ("onboarding", "onboarding", "Set up Notion Agent"),
    ]
    wide: list[str] = []
    phone.screen("api-keys-phone", "API keys")
    wide += phone.overflowing()
    for path, name, heading in screens:
        phone.open(f"/#/{path}")
        expect(phone.page.get_by_role("heading", level=1, name=heading)).to_be_visible(timeout=LIVE_MS)
        if name == "runs":
            expect(phone.page.locator("tbody tr").first).to_be_visible(timeout=LIVE_MS)
        if name == "onboarding":
            expect(phone.page.get_by_role("checkbox", name="Ideas database")).to_be_visible(timeout=LIVE_MS)
        phone.screen(f"{name}-phone", heading)
        wide += [f"{name}: {e}" for e in phone.overflowing()]
    signed_out = setup.tab(setup.context(signed_in=False, width=PHONE))
    signed_out.open("/")
    signed_out.screen("connect-phone", "Connect your Notion workspace")
    wide += [f"connect: {e}" for e in signed_out.overflowing()]
    figures.phone_overflow = (figures.phone_overflow or 0) + len(wide)
    assert wide == []
    desktop = setup.tab()
    for path in ("", f"runs/{run_id}"):
        desktop.open(f"/#/{path}")
        expect(desktop.page.get_by_text(title).first).to_be_visible(timeout=LIVE_MS)
        assert desktop.overflowing() == []


def test_dark_mode_follows_the_system_with_the_same_contrast(setup: Setup) -> None:
    context = setup.context()
    c = setup.tab(context)
    c.page.emulate_media(color_scheme="dark")
    background = "getComputedStyle(document.body).backgroundColor"
    serious = setup.figures.axe_serious
    for path, name, heading in (("runs", "runs-dark", "Runs"), ("settings", "settings-dark", "Settings")):
        c.open(f"/#/{path}")
        expect(c.page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        assert c.page.evaluate(background) == "rgb(13, 17, 23)"
        c.screen(name, heading)  # axe's contrast checks, in the dark colours
    assert setup.figures.axe_serious == serious, setup.figures.violations
    c.page.emulate_media(color_scheme="light")
    assert c.page.evaluate(background) == "rgb(255, 255, 255)"


def stranded(c: Console) -> None:
    """The tab says the session ended, offers Connect, and shows nothing of the workspace any more."""
    expect(c.page.get_by_role("heading", level=1, name="Connect your Notion workspace")).to_be_visible(
        timeout=LIVE_MS
    )
    expect(c.page.get_by_role("button", name="Connect Notion")).to_be_visible()
    expect(c.page.get_by_role("navigation", name="Console")).to_have_count(0)
    expect(c.page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(c.page.locator("tbody tr")).to_have_count(0)
    assert "Authorization" not in c.page.inner_text("body")


def test_other_tabs_follow_a_sign_out(setup: Setup) -> None:
    context = setup.context()
    here, there = setup.tab(context), setup.tab(context)
    there.open("/#/runs")
    expect(there.page.locator("tbody tr").first).to_be_visible(timeout=LIVE_MS)
    here.open("/#/usage")
    here.press("button", "Sign out")
    stranded(there)
    expect(there.page.get_by_text("signed out")).to_be_visible()
    there.screen("signed-out-elsewhere", "Connect your Notion workspace")


def test_other_tabs_follow_a_disconnect(setup: Setup) -> None:
    setup.auth = connect(setup.stack)  # a new session (the last one was signed out)
    run_id = setup.waiting_run()
    there = setup.tab()
    there.open(f"/#/runs/{run_id}")
    expect(there.page.get_by_role("button", name="Approve")).to_be_visible(timeout=LIVE_MS)
    setup.api("DELETE", "/connection")  # from another browser
    stranded(there)
    expect(there.page.get_by_text("session ended")).to_be_visible()
