"""The Notion sandbox's screen (``/screen/``): each change a person makes there is a /v1 call as that
person, delivered as Notion's signed webhook events (deletion included); a trashed page leaves the
workspace index; workspace text shows as text; bad requests are refused in words, changing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.notion_sandbox import SandboxServer, is_valid, seed_ids
from local.notion_sandbox.seed import PEOPLE
from local.notion_sandbox.testing import Admin, WebhookReceiver
from shared.memory.services.workspace_index import index_page
from shared.memory.services.workspace_search import search
from shared.notion.adapters.notion import NotionApi, build_client
from shared.runs.domain.notion_events import mentions_bot
from tests.support.memory.memory import FakePassages, WordCountEmbedder

IDS = seed_ids("demo")
IDEA = IDS["idea_newsletter"]
TOKEN = "secret_screen"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture
def receiver(server: SandboxServer) -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        sub = Admin(server.url).post("/webhook", {"url": running.url, "verification_token": TOKEN})
        assert sub["verified"] is True
        yield running


def post(server: SandboxServer, page: str, action: str, **form: Any) -> httpx.Response:
    return httpx.post(f"{server.url}/screen/demo/pages/{page}/{action}", data=form, timeout=10)


def delivered(server: SandboxServer, receiver: WebhookReceiver, count: int) -> list[dict[str, Any]]:
    """The events delivered so far (at least ``count``), each checked for Notion's signature."""
    Admin(server.url).post("/webhook/flush", {"timeout": 5, "force": True})
    received = receiver.wait_for(count)
    assert all(is_valid(TOKEN, r.body, r.headers["X-Notion-Signature"]) for r in received)
    return [r.json() for r in received]


def block_ids(server: SandboxServer, page: str) -> list[str]:
    state = Admin(server.url).get("/workspaces/demo/state")
    return [b["id"] for p in state["pages"] if p["id"] == page for b in p["content"]]


def test_every_change_on_the_screen_sends_notions_events_as_the_person_who_made_it(
    server: SandboxServer, receiver: WebhookReceiver
) -> None:
    editor, admin, viewer = IDS["editor"], IDS["teammate"], IDS["viewer"]
    first = block_ids(server, IDEA)[0]
    answers = [
        post(server, IDEA, f"text/{first}", text="Draft it from the done tasks.", **{"as": editor}),
        post(server, IDEA, "append", text="A new paragraph.", **{"as": editor}),
        post(
            server,
            IDEA,
            "properties",
            Name="Automate the newsletter",
            Status="Ready for agent",
            **{"as": admin},
        ),
        post(server, IDEA, "comment", text="please draft it", mention=IDS["bot"], **{"as": viewer}),
        post(server, IDEA, "trash", **{"as": IDS["owner"]}),
        post(server, IDEA, "restore", **{"as": IDS["owner"]}),
    ]
    assert [a.status_code for a in answers] == [303] * 6, [a.text[-300:] for a in answers]
    events = delivered(server, receiver, 7)
    kinds = [(e["type"], e["authors"][0]["id"]) for e in events]
    assert kinds == [
        ("page.content_updated", editor),
        ("page.content_updated", editor),
        ("page.properties_updated", admin),
        ("data_source.content_updated", admin),
        ("comment.created", viewer),
        ("page.deleted", IDS["owner"]),
        ("page.undeleted", IDS["owner"]),
    ]
    assert all(e["authors"][0]["type"] == "person" for e in events)
    assert events[2]["data"]["updated_properties"] == [status_id(server)]  # only what changed
    comment = httpx.get(
        f"{server.url}/v1/comments/{events[4]['entity']['id']}",
        headers={"Authorization": "Bearer ntn_sandbox_demo", "Notion-Version": "2026-03-11"},
    ).json()
    assert mentions_bot(comment, IDS["bot"]) and comment["created_by"]["id"] == viewer
    page = httpx.get(f"{server.url}/screen/demo/pages/{IDEA}", params={"as": viewer}).text
    assert "Katherine Johnson</strong>: @Notion Agent please draft it" in page
    assert "Draft it from the done tasks." in page and "A new paragraph." in page


def status_id(server: SandboxServer) -> str:
    state = httpx.get(
        f"{server.url}/v1/data_sources/{IDS['ideas_data_source']}",
        headers={"Authorization": "Bearer ntn_sandbox_demo", "Notion-Version": "2026-03-11"},
    ).json()
    return str(state["properties"]["Status"]["id"])


def test_a_page_trashed_on_the_screen_sends_page_deleted_and_leaves_the_index(
    server: SandboxServer, receiver: WebhookReceiver
) -> None:
    notion = NotionApi(build_client(server.url, timeout_s=10)).with_token("ntn_sandbox_demo")
    store, embedder = FakePassages(), WordCountEmbedder()
    said = "Our pricing plan: three tiers, the Starter tier cheapest."
    assert post(server, IDEA, "append", text=said, **{"as": IDS["editor"]}).status_code == 303
    assert index_page("t1", IDEA, notion, embedder, store).embedded >= 1
    assert any("three tiers" in r.text for r in search("t1", "pricing tier", embedder, store).results)

    assert post(server, IDEA, "trash", **{"as": IDS["teammate"]}).status_code == 303
    events = delivered(server, receiver, 2)
    deleted = events[-1]
    assert deleted["type"] == "page.deleted" and deleted["entity"] == {"id": IDEA, "type": "page"}
    # The intake queues an index task for page.deleted (tests/unit/memory/test_workspace_freshness.py);
    # that task's index_page finds the page in the trash and removes its passages.
    assert index_page("t1", IDEA, notion, embedder, store).removed >= 1
    assert not search("t1", "pricing tier", embedder, store).results
    overview = httpx.get(f"{server.url}/screen/demo/").text
    trash = overview[overview.index("<h2>Trash</h2>") :]
    assert "Automate the newsletter" in trash


def test_workspace_text_shows_as_text_and_bad_requests_are_refused_in_words(server: SandboxServer) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    task = IDS["task_report"]
    assert post(server, task, "properties", Name=hostile, Status="In progress").status_code == 303
    shown = (
        httpx.get(f"{server.url}/screen/demo/").text
        + httpx.get(f"{server.url}/screen/demo/pages/{task}").text
    )
    assert "<script>alert" not in shown and "<img src=x" not in shown and "&lt;script&gt;alert(1)" in shown
    writes = Admin(server.url).get("/workspaces/demo/state")["writes"]

    stranger = post(server, task, "comment", text="hi", **{"as": "00000000-0000-0000-0000-000000000000"})
    assert stranger.status_code == 400 and "not in this workspace" in stranger.text
    empty = post(server, task, "append", text="   ")
    assert empty.status_code == 400 and "Write something to add" in empty.text
    other_site = httpx.post(
        f"{server.url}/screen/demo/pages/{task}/trash", headers={"Origin": "https://evil.example"}
    )
    assert other_site.status_code == 403 and "another site" in other_site.text
    assert post(server, task, "trash").status_code == 303
    trashed = post(server, task, "append", text="more")
    assert trashed.status_code == 409 and "in the trash" in trashed.text
    after = Admin(server.url).get("/workspaces/demo/state")["writes"]
    assert after == writes | {"pages.update": writes.get("pages.update", 0) + 1}  # the trash only


def test_the_screen_offers_four_people_one_for_each_team_role(server: SandboxServer) -> None:
    page = httpx.get(f"{server.url}/screen/demo/").text
    for _, _, name, role in PEOPLE:
        assert f"{name} ({role})" in page
    assert [role for *_, role in PEOPLE] == ["owner", "admin", "editor", "viewer"]
    assert httpx.get(f"{server.url}/").headers["location"] == "/screen/"


def test_the_screen_chooses_who_notions_consent_signs_in_next(server: SandboxServer) -> None:
    chosen = httpx.post(f"{server.url}/screen/demo/sign-in", data={"as": IDS["editor"]})
    assert chosen.status_code == 303
    authorize = {"client_id": "sandbox-client-id", "redirect_uri": "http://127.0.0.1/cb", "state": "s"}
    answer = httpx.get(f"{server.url}/v1/oauth/authorize", params=authorize | {"response_type": "code"})
    code = answer.headers["location"].split("code=")[1].split("&")[0]
    token = httpx.post(
        f"{server.url}/v1/oauth/token",
        auth=("sandbox-client-id", "sandbox-client-secret"),
        json={"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1/cb"},
    ).json()
    assert token["owner"]["user"]["id"] == IDS["editor"]  # Alan, the editor, signs in


def test_a_row_and_a_page_made_on_the_screen_send_page_created_as_their_maker(
    server: SandboxServer, receiver: WebhookReceiver
) -> None:
    """The screen makes a row of a database and a page inside a page, as a person."""
    editor = IDS["editor"]
    overview = httpx.get(f"{server.url}/screen/demo/", params={"as": editor}).text
    assert "New row in Ideas" in overview and "Add a row to Ideas" in overview
    row = httpx.post(
        f"{server.url}/screen/demo/new",
        data={"as": editor, "data_source_id": IDS["ideas_data_source"], "title": "A row made by hand"},
    )
    assert row.status_code == 303, row.text[-300:]
    shown = httpx.get(server.url + row.headers["Location"]).text
    assert "<h1>A row made by hand</h1>" in shown and "Notion sends page.created" in shown
    page = httpx.post(
        f"{server.url}/screen/demo/new", data={"as": editor, "page_id": IDS["home_page"], "title": "Notes"}
    )
    assert page.status_code == 303, page.text[-300:]
    refused = httpx.post(f"{server.url}/screen/demo/new", data={"as": editor, "page_id": IDS["home_page"]})
    assert refused.status_code == 400 and "Give the new page a title." in refused.text
    events = delivered(server, receiver, 2)
    made = [(e["type"], e["authors"][0]["id"]) for e in events if e["type"] == "page.created"]
    assert made == [("page.created", editor), ("page.created", editor)]
    listed = httpx.get(f"{server.url}/screen/demo/", params={"as": editor}).text
    assert ">A row made by hand</a>" in listed and ">Notes</a>" in listed


def test_a_page_s_url_is_where_the_screen_shows_it(server: SandboxServer) -> None:
    """The sandbox answered Notion's own web address (www.notion.so), which cannot open
    on the local stack. Each ``url`` it answers is its screen's, as Notion's is its web page: a page's
    opens that page, a data source's the overview listing its rows; search answers the same."""
    notion = NotionApi(build_client(server.url, timeout_s=10)).with_token("ntn_sandbox_demo")
    page = notion.retrieve_page(IDEA)
    assert page["url"] == f"{server.url}/screen/demo/pages/{IDEA.replace('-', '')}"
    shown = httpx.get(page["url"], timeout=10)
    assert shown.status_code == 200
    title = page["properties"]["Name"]["title"][0]["plain_text"]
    assert title in shown.text
    source = notion.retrieve_data_source(IDS["ideas_data_source"])
    assert source["url"] == f"{server.url}/screen/demo/"
    assert httpx.get(source["url"], timeout=10).status_code == 200
    found = list(notion.search(title))
    assert any(r["url"] == page["url"] for r in found), found
    again = notion.retrieve_page(IDEA)  # the stored page is untouched: answered the same way again
    assert again["url"] == page["url"]


def test_a_web_address_in_a_comment_is_a_link_and_the_rest_stays_text(server: SandboxServer) -> None:
    """A run's start note ("Progress: <its Runs row>") showed as text that could not be
    followed. The screen links each web address in a comment; everything else stays escaped text."""
    row = f"{server.url}/screen/demo/pages/{IDEA.replace('-', '')}"
    said = post(server, IDEA, "comment", text=f'Progress: {row}. <b>"bold"</b>', **{"as": IDS["owner"]})
    assert said.status_code in (200, 302, 303)
    shown = httpx.get(f"{server.url}/screen/demo/pages/{IDEA}", timeout=10).text
    assert f'Progress: <a href="{row}">{row}</a>. &lt;b&gt;' in shown
    assert "<b>" not in shown


def test_a_workspace_keyed_with_an_underscore_names_its_people_by_emails_a_browser_accepts(
    server: SandboxServer,
) -> None:
    """A key like a test module's (``member_waits``) made ``grace@member_waits.example``, which a
    browser's email field (the console's invite form) refuses: the domain's underscore is a hyphen."""
    admin = Admin(server.url)
    admin.post("/workspaces", {"key": "member_waits", "name": "Waits", "seed": "demo"})
    made = next(w for w in admin.get("/workspaces") if w["key"] == "member_waits")
    headers = {"Authorization": f"Bearer {made['access_token']}", "Notion-Version": "2025-09-03"}
    for key, handle, _, _ in PEOPLE:  # Notion's "Retrieve a user"
        user = httpx.get(f"{server.url}/v1/users/{made['ids'][key]}", headers=headers, timeout=10).json()
        assert user["person"]["email"] == f"{handle}@member-waits.example"
