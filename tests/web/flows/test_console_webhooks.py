"""Webhooks in a real browser, at a desktop's and at a phone's width, on the web suite's stack: the
owner is refused a private address with the api's reason, registers a receiver on 127.0.0.1 for runs
started, keeps the secret shown once, and a run's start arrives signed (verified as Standard Webhooks
receivers do); the delivery is listed, sent again with the same webhook-id, and the endpoint deleted.
An editor sees why not and no controls."""

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from local.hook_receiver import Arrival, HookReceiver, verify
from tests.web.browser import Figures
from tests.web.workspace import LIVE_MS, Setup, within

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[HookReceiver, str]]:
    """A receiver of deliveries on 127.0.0.1, and its address."""
    app = HookReceiver()
    with app.served() as server:
        yield app, server.url


def _arrivals(app: HookReceiver, path: str, n: int) -> list[Arrival]:
    return within(
        lambda: got if len(got := [a for a in app.arrivals if a.path == path]) >= n else None,
        f"{n} deliveries at {path}",
    )


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_an_owner_registers_an_endpoint_and_receives_a_signed_delivery(
    setup: Setup, figures: Figures, receiver: tuple[HookReceiver, str], width: int
) -> None:
    app, base = receiver
    c = setup.tab(setup.context(width=width))
    page = c.page
    c.open("/#/integrations")
    card = page.get_by_role("region", name="Webhooks", exact=True)
    expect(card).to_be_visible(timeout=LIVE_MS)

    # a private address: refused with the api's reason, nothing registered
    card.get_by_label("Endpoint URL").fill("https://10.0.0.5/in")
    card.get_by_label(re.compile("^A run started")).check()
    for other in ("^A run finished", "^A run failed"):  # ticked at first; another test's run ends meanwhile
        card.get_by_label(re.compile(other)).uncheck()
    card.get_by_role("button", name="Add endpoint").click()
    expect(card.get_by_role("alert")).to_contain_text("private", timeout=LIVE_MS)
    assert setup.api("GET", "/webhooks/endpoints")["endpoints"] == []

    path = f"/in-{width}"
    card.get_by_label("Endpoint URL").fill(base + path)
    card.get_by_role("button", name="Add endpoint").click()
    shown = card.locator("code.secret")
    expect(shown).to_contain_text("whsec_", timeout=LIVE_MS)
    secret = shown.inner_text().strip()
    card.get_by_role("button", name="I have kept it").click()
    expect(shown).to_have_count(0)
    endpoint = card.get_by_role("article", name=f"Webhook endpoint {base}{path}")
    expect(endpoint).to_contain_text("Enabled")
    assert c.overflowing() == [], f"wider than {width} px"

    run_id = setup.started_run(f"Webhook check at {width}")
    first = next(a for a in _arrivals(app, path, 1) if json.loads(a.body)["data"].get("run_id") == run_id)
    assert verify(secret, first.webhook_id, first.timestamp, first.body, first.signature)
    assert not verify(secret, first.webhook_id, first.timestamp, first.body + " ", first.signature)
    sent = json.loads(first.body)
    assert sent["type"] == "run.started" and set(sent) == {"type", "timestamp", "data"}

    # its delivery listed, sent again with the same webhook-id
    endpoint.get_by_role("button", name="Refresh deliveries").click()
    row = endpoint.get_by_role("row", name=re.compile("run.started"))
    expect(row.first).to_contain_text("Delivered", timeout=LIVE_MS)
    row.first.get_by_role("button", name="Send again").click()
    again = _arrivals(app, path, 2)
    assert {a.webhook_id for a in again} == {first.webhook_id}
    assert all(verify(secret, a.webhook_id, a.timestamp, a.body, a.signature) for a in again)

    endpoint.get_by_role("button", name="Delete endpoint").click()
    card.get_by_role("button", name="Yes, delete it").click()
    expect(card.get_by_text("No webhook endpoints yet.")).to_be_visible(timeout=LIVE_MS)
    assert setup.api("GET", "/webhooks/endpoints")["endpoints"] == []
    page.context.close()


def test_an_editor_sees_why_not_and_no_controls(setup: Setup) -> None:
    m = setup.teammate_tab("editor")
    m.open("/#/integrations")
    card = m.page.get_by_role("region", name="Webhooks", exact=True)
    expect(card).to_contain_text(
        "Your role (editor) may not see or manage webhook endpoints", timeout=LIVE_MS
    )
    expect(card.get_by_role("button")).to_have_count(0)
    expect(card.get_by_label("Endpoint URL")).to_have_count(0)
