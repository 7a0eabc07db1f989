"""The Notion sandbox driven by the real notion-client SDK (and plain HTTP for OAuth and admin)."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Awaitable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from notion_client import APIErrorCode, APIResponseError, Client
from notion_client.client import ClientOptions, RetryOptions
from notion_client.errors import HTTPResponseError
from notion_client.helpers import collect_paginated_api

from local.notion_sandbox import SandboxServer, is_valid, seed_ids
from local.notion_sandbox.testing import Admin, WebhookReceiver

DEMO = seed_ids("demo")
TOKEN = "ntn_sandbox_demo"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"}
HTTP = httpx.Client(verify=False, timeout=10)  # plain HTTP to 127.0.0.1; one client keeps the suite fast


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture
def admin(server: SandboxServer) -> Admin:
    return Admin(server.url)


def sdk(server: SandboxServer, token: str = TOKEN, retries: int = 2) -> Client:
    retry = RetryOptions(max_retries=retries, initial_retry_delay_ms=10, max_retry_delay_ms=50)
    options = ClientOptions(auth=token, base_url=server.url, retry=retry, log_level=logging.CRITICAL)
    return Client(options=options, client=httpx.Client(verify=False))


def sync_reply(answer: Any | Awaitable[Any]) -> dict[str, Any]:
    """The JSON object the (synchronous) client answered: notion-client types each call for its sync
    and async clients alike."""
    assert isinstance(answer, dict), answer
    return answer


def title(text: str) -> dict[str, Any]:
    return {"title": [{"text": {"content": text}}]}


def paragraph(text: str) -> dict[str, Any]:
    return {"paragraph": {"rich_text": [{"text": {"content": text}}]}}


def new_task(
    client: Client, name: str, data_source: str = DEMO["tasks_data_source"], **props: Any
) -> dict[str, Any]:
    properties = {"Name": title(name), **props}
    return sync_reply(client.pages.create(parent={"data_source_id": data_source}, properties=properties))


def person_comments(admin: Admin, page_id: str, text: str) -> dict[str, Any]:
    """The demo workspace's owner comments ``text`` on ``page_id`` (in Notion, not through the API):
    the sandbox's answer (``status``, ``response``)."""
    comment = {"parent": {"page_id": page_id}, "rich_text": [{"text": {"content": text}}]}
    answer: dict[str, Any] = admin.post(
        "/workspaces/demo/act", {"method": "POST", "path": "/v1/comments", "body": comment}
    )
    return answer


def names(result: dict[str, Any]) -> list[str]:
    return [p["properties"]["Name"]["title"][0]["plain_text"] for p in result["results"]]


# -- basics ---------------------------------------------------------------------------------------


def test_users_me_is_the_bot_and_the_version_header_is_required(server: SandboxServer) -> None:
    me = sync_reply(sdk(server).users.me())
    assert me["type"] == "bot" and me["id"] == DEMO["bot"]
    assert me["bot"]["workspace_name"] == "Demo workspace"

    response = HTTP.get(f"{server.url}/v1/users/me", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert response.json()["code"] == "missing_version"
    assert response.json()["object"] == "error"

    with pytest.raises(APIResponseError) as caught:
        sdk(server, token="ntn_wrong").users.me()
    assert caught.value.code == APIErrorCode.Unauthorized and caught.value.status == 401


def test_seeded_workspace_has_tasks_and_ideas(server: SandboxServer) -> None:
    client = sdk(server)
    database = sync_reply(client.databases.retrieve(database_id=DEMO["tasks_database"]))
    assert database["data_sources"] == [{"id": DEMO["tasks_data_source"], "name": "Tasks"}]
    tasks = sync_reply(client.data_sources.retrieve(data_source_id=DEMO["tasks_data_source"]))
    kinds = {name: prop["type"] for name, prop in tasks["properties"].items()}
    assert kinds == {
        "Name": "title",
        "Status": "status",
        "Priority": "select",
        "Due": "date",
        "Assignee": "people",
        "For agent": "checkbox",
        "Sync ID": "rich_text",
    }
    ideas = sync_reply(client.data_sources.retrieve(data_source_id=DEMO["ideas_data_source"]))
    assert {p["type"] for p in ideas["properties"].values()} == {"title", "status"}
    blocks = sync_reply(client.blocks.children.list(block_id=DEMO["idea_newsletter"]))
    assert (
        blocks["results"][0]["paragraph"]["rich_text"][0]["plain_text"]
        == "Draft it from the week's done tasks."
    )
    assert seed_ids("demo") == DEMO  # deterministic


def test_create_retrieve_and_update_pages(server: SandboxServer, admin: Admin) -> None:
    client = sdk(server)
    page = new_task(
        client,
        "Plan the offsite",
        Status={"status": {"name": "In progress"}},
        Priority={"select": {"name": "High"}},
    )
    assert page["parent"] == {
        "type": "data_source_id",
        "data_source_id": DEMO["tasks_data_source"],
        "database_id": DEMO["tasks_database"],
    }
    fetched = sync_reply(client.pages.retrieve(page_id=page["id"]))
    assert fetched["properties"]["Status"]["status"]["name"] == "In progress"

    updated = sync_reply(
        client.pages.update(
            page_id=page["id"],
            properties={"Status": {"status": {"name": "Done"}}, "For agent": {"checkbox": True}},
        )
    )
    assert updated["properties"]["Status"]["status"]["name"] == "Done"
    assert updated["properties"]["For agent"]["checkbox"] is True

    child = sync_reply(
        client.pages.create(
            parent={"page_id": page["id"]}, properties={"title": title("Notes")}, children=[paragraph("hi")]
        )
    )
    assert child["parent"] == {"type": "page_id", "page_id": page["id"]}

    with pytest.raises(APIResponseError) as caught:
        client.pages.update(page_id=page["id"], properties={"Status": {"status": {"name": "Nope"}}})
    assert caught.value.code == APIErrorCode.ValidationError
    with pytest.raises(APIResponseError) as caught:
        client.pages.retrieve(page_id="00000000-0000-4000-8000-000000000000")
    assert caught.value.code == APIErrorCode.ObjectNotFound and caught.value.status == 404

    state = admin.get("/workspaces/demo/state")
    assert state["writes"] == {"pages.create": 2, "pages.update": 1}
    stored = next(p for p in state["pages"] if p["id"] == child["id"])
    assert stored["content"] == [
        {"id": stored["content"][0]["id"], "type": "paragraph", "text": "hi", "depth": 0, "links": []}
    ]


def test_query_filters_and_sorts(server: SandboxServer) -> None:
    client = sdk(server)

    def query(**arguments: Any) -> dict[str, Any]:
        return sync_reply(client.data_sources.query(**arguments))

    ds = DEMO["tasks_data_source"]
    assert names(query(data_source_id=ds, filter={"property": "Status", "status": {"equals": "Done"}})) == [
        "Archive old notes"
    ]
    assert names(
        query(
            data_source_id=ds,
            filter={"property": "Priority", "select": {"equals": "High"}},
            sorts=[{"property": "Due", "direction": "descending"}],
        )
    ) == ["Ship the landing page", "Write the weekly report"]
    assert names(query(data_source_id=ds, filter={"property": "Name", "title": {"contains": "INVOICE"}})) == [
        "Send the invoices"
    ]
    compound = {
        "and": [
            {"property": "Due", "date": {"on_or_before": "2026-01-07"}},
            {
                "or": [
                    {"property": "Status", "status": {"equals": "Not started"}},
                    {"property": "Priority", "select": {"equals": "High"}},
                ]
            },
        ]
    }
    assert names(
        query(data_source_id=ds, filter=compound, sorts=[{"property": "Due", "direction": "ascending"}])
    ) == ["Write the weekly report", "Send the invoices"]
    assert names(query(data_source_id=ds, filter={"property": "Due", "date": {"after": "2026-01-07"}})) == [
        "Ship the landing page"
    ]
    assert names(
        query(data_source_id=ds, filter={"property": "Assignee", "people": {"contains": DEMO["teammate"]}})
    ) == ["Send the invoices"]

    for_agent: dict[str, Any] = {"For agent": {"checkbox": True}}  # a property name with a space
    flagged = new_task(client, "Agent task", **for_agent)
    assert [
        p["id"]
        for p in query(data_source_id=ds, filter={"property": "For agent", "checkbox": {"equals": True}})[
            "results"
        ]
    ] == [flagged["id"]]
    newest_first = query(data_source_id=ds, sorts=[{"timestamp": "created_time", "direction": "descending"}])
    assert newest_first["results"][0]["id"] == flagged["id"]
    # Empty dates sort last in both directions.
    assert names(query(data_source_id=ds, sorts=[{"property": "Due", "direction": "ascending"}]))[-2:] == [
        "Archive old notes",
        "Agent task",
    ]

    with pytest.raises(APIResponseError) as caught:
        query(data_source_id=ds, filter={"property": "Nope", "select": {"equals": "x"}})
    assert caught.value.code == APIErrorCode.ValidationError


def test_query_paginates_at_100(server: SandboxServer) -> None:
    client = sdk(server)
    for i in range(150):
        new_task(client, f"Bulk {i:03}")
    ds = DEMO["tasks_data_source"]
    first = sync_reply(client.data_sources.query(data_source_id=ds))
    assert len(first["results"]) == 100 and first["has_more"] is True and first["next_cursor"]
    second = sync_reply(client.data_sources.query(data_source_id=ds, start_cursor=first["next_cursor"]))
    assert len(second["results"]) == 54 and second["has_more"] is False and second["next_cursor"] is None
    everything = collect_paginated_api(client.data_sources.query, data_source_id=ds, page_size=40)
    assert len({p["id"] for p in everything}) == 154
    with pytest.raises(APIResponseError) as caught:
        client.data_sources.query(data_source_id=ds, page_size=101)
    assert caught.value.code == APIErrorCode.ValidationError


def test_block_append_limit_and_children_pagination(server: SandboxServer) -> None:
    client = sdk(server)
    page = new_task(client, "Long page")
    with pytest.raises(APIResponseError) as caught:
        client.blocks.children.append(block_id=page["id"], children=[paragraph(str(i)) for i in range(101)])
    assert caught.value.code == APIErrorCode.ValidationError and "100" in str(caught.value)
    appended = sync_reply(
        client.blocks.children.append(block_id=page["id"], children=[paragraph(str(i)) for i in range(100)])
    )
    assert len(appended["results"]) == 100
    client.blocks.children.append(block_id=page["id"], children=[paragraph("last")])
    first = sync_reply(client.blocks.children.list(block_id=page["id"]))
    assert len(first["results"]) == 100 and first["has_more"] is True
    rest = sync_reply(client.blocks.children.list(block_id=page["id"], start_cursor=first["next_cursor"]))
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in rest["results"]] == ["last"]


def test_rich_text_is_limited_to_2000_characters(server: SandboxServer, admin: Admin) -> None:
    client = sdk(server)
    page = new_task(client, "Text limits")
    client.blocks.children.append(block_id=page["id"], children=[paragraph("x" * 2000)])
    with pytest.raises(APIResponseError) as caught:
        client.blocks.children.append(block_id=page["id"], children=[paragraph("x" * 2001)])
    assert caught.value.code == APIErrorCode.ValidationError
    assert "body.children[0].paragraph.rich_text[0].text.content.length should be ≤ `2000`" in str(
        caught.value
    )
    with pytest.raises(APIResponseError):
        new_task(client, "y" * 2001)
    with pytest.raises(APIResponseError):
        client.comments.create(parent={"page_id": page["id"]}, rich_text=[{"text": {"content": "z" * 2001}}])
    assert admin.get("/workspaces/demo/state")["writes"] == {"pages.create": 1, "blocks.append": 1}


def test_comments_and_search(server: SandboxServer) -> None:
    client = sdk(server)
    comment = sync_reply(
        client.comments.create(
            parent={"page_id": DEMO["task_report"]}, rich_text=[{"text": {"content": "On it."}}]
        )
    )
    reply = sync_reply(
        client.comments.create(
            discussion_id=comment["discussion_id"], rich_text=[{"text": {"content": "Done."}}]
        )
    )
    assert reply["discussion_id"] == comment["discussion_id"]
    listed = sync_reply(client.comments.list(block_id=DEMO["task_report"]))
    assert [c["rich_text"][0]["plain_text"] for c in listed["results"]] == ["On it.", "Done."]
    assert listed["results"][0]["created_by"] == {"object": "user", "id": DEMO["bot"]}

    found = sync_reply(client.search(query="newsletter", filter={"property": "object", "value": "page"}))
    assert [r["id"] for r in found["results"]] == [DEMO["idea_newsletter"]]
    sources = sync_reply(client.search(filter={"property": "object", "value": "data_source"}))
    assert {r["id"] for r in sources["results"]} == {DEMO["tasks_data_source"], DEMO["ideas_data_source"]}


def test_a_connection_updates_only_the_comments_it_made(server: SandboxServer, admin: Admin) -> None:
    """``PATCH /v1/comments/{id}`` as Notion documents it: the text replaced, for a comment this
    connection created; a person's comment answers 404 (what folding a run's asks into one comment relies on)."""
    client = sdk(server)
    made = sync_reply(
        client.comments.create(
            parent={"page_id": DEMO["task_report"]}, rich_text=[{"text": {"content": "1"}}]
        )
    )
    changed = sync_reply(
        client.comments.update(comment_id=made["id"], rich_text=[{"text": {"content": "2"}}])
    )
    assert (changed["id"], changed["rich_text"][0]["plain_text"]) == (made["id"], "2")
    listed = sync_reply(client.comments.list(block_id=DEMO["task_report"]))["results"]
    assert [c["rich_text"][0]["plain_text"] for c in listed if c["id"] == made["id"]] == ["2"]
    theirs = person_comments(admin, DEMO["task_report"], "mine")["response"]
    with pytest.raises(APIResponseError) as refused:
        client.comments.update(comment_id=theirs["id"], rich_text=[{"text": {"content": "x"}}])
    assert refused.value.code == APIErrorCode.ObjectNotFound


def test_a_connection_deletes_only_the_comments_it_made(server: SandboxServer, admin: Admin) -> None:
    """``DELETE /v1/comments/{id}`` as Notion documents it ("Delete a comment"): the comment this
    connection created is gone (listed no more, retrieved as 404) and answered as it was; a person's
    comment answers 404 and stays (what an undo of a run's comment relies on)."""
    client = sdk(server)
    made = sync_reply(
        client.comments.create(
            parent={"page_id": DEMO["task_report"]}, rich_text=[{"text": {"content": "wrong page"}}]
        )
    )
    deleted = sync_reply(client.comments.delete(comment_id=made["id"]))
    assert (deleted["object"], deleted["id"]) == ("comment", made["id"])
    listed = sync_reply(client.comments.list(block_id=DEMO["task_report"]))["results"]
    assert made["id"] not in [c["id"] for c in listed]
    with pytest.raises(APIResponseError) as gone:
        client.comments.retrieve(comment_id=made["id"])
    assert gone.value.code == APIErrorCode.ObjectNotFound
    theirs = person_comments(admin, DEMO["task_report"], "a person's")["response"]
    with pytest.raises(APIResponseError) as refused:
        client.comments.delete(comment_id=theirs["id"])
    assert refused.value.code == APIErrorCode.ObjectNotFound
    listed = sync_reply(client.comments.list(block_id=DEMO["task_report"]))["results"]
    assert theirs["id"] in [c["id"] for c in listed]


# -- rate limits and failures ----------------------------------------------------------------------


def test_rate_budget_answers_429_with_retry_after(server: SandboxServer, admin: Admin) -> None:
    admin.post("/limits", {"requests": 3, "window_seconds": 60, "retry_after": 7})
    statuses = [HTTP.get(f"{server.url}/v1/users/me", headers=HEADERS) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[-1].headers["Retry-After"] == "7"
    assert statuses[-1].json()["code"] == "rate_limited"
    # The budget is per connection: another workspace's token is unaffected.
    other = admin.post("/workspaces", {"key": "acme", "name": "Acme"})
    assert sync_reply(sdk(server, token=other["access_token"]).users.me())["id"] == other["bot_id"]


def test_sdk_retries_429_and_gives_up_when_exhausted(server: SandboxServer, admin: Admin) -> None:
    client = sdk(server, retries=2)
    admin.delete("/requests")
    admin.post("/faults", {"status": 429, "count": 2, "retry_after": 0})
    page = new_task(client, "Retried")  # POST: notion-client retries 429 for any method
    log = [(e["method"], e["status"]) for e in admin.get("/requests")]
    assert log == [("POST", 429), ("POST", 429), ("POST", 200)]
    assert admin.get("/workspaces/demo/state")["writes"] == {"pages.create": 1}

    admin.post("/faults", {"status": 429, "count": 3, "retry_after": 0})
    with pytest.raises(APIResponseError) as caught:
        client.pages.retrieve(page_id=page["id"])
    assert caught.value.code == APIErrorCode.RateLimited
    assert caught.value.headers["retry-after"] == "0"


def test_overload_529_and_server_errors(server: SandboxServer, admin: Admin) -> None:
    client = sdk(server)
    admin.post("/faults", {"overloaded": True, "retry_after": 3})
    response = HTTP.get(f"{server.url}/v1/users/me", headers=HEADERS)
    assert response.status_code == 529 and response.json()["code"] == "service_overload"
    assert response.headers["Retry-After"] == "3"
    admin.delete("/requests")
    with pytest.raises(HTTPResponseError) as caught:  # notion-client 3.1.0 does not know service_overload
        client.users.me()
    assert caught.value.status == 529
    assert len(admin.get("/requests")) == 1  # ... so it does not retry it
    admin.delete("/faults")

    admin.post("/faults", {"status": 500, "count": 1})
    assert sync_reply(client.users.me())["type"] == "bot"  # GET retried after one 500
    admin.post("/faults", {"status": 503, "count": 1})
    with pytest.raises(APIResponseError) as caught:
        new_task(client, "not retried")  # POST is not retried on 5xx by the SDK
    assert caught.value.code == APIErrorCode.ServiceUnavailable
    admin.post("/faults", {"status": 529, "count": 1, "token": "someone-else"})
    assert sync_reply(client.users.me())["type"] == "bot"  # injection scoped to another token


@pytest.mark.parametrize(
    ("status", "code"), [(401, "unauthorized"), (403, "restricted_resource"), (409, "conflict_error")]
)
def test_injected_client_errors_carry_notions_code(
    server: SandboxServer, admin: Admin, status: int, code: str
) -> None:
    admin.post("/faults", {"status": status, "count": 1})
    response = HTTP.get(f"{server.url}/v1/users/me", headers=HEADERS)
    assert (response.status_code, response.json()["code"]) == (status, code)


# -- webhooks ---------------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def subscribe(admin: Admin, receiver: WebhookReceiver, **switches: Any) -> str:
    sub = admin.post("/webhook", {"url": receiver.url, "verification_token": "secret_verify"})
    assert sub["verified"] is True
    if switches:
        admin.post("/webhook/switches", switches)
    return str(sub["verification_token"])


def test_handshake_then_signed_events(server: SandboxServer, admin: Admin, receiver: WebhookReceiver) -> None:
    token = subscribe(admin, receiver)
    assert receiver.received[0].json() == {"verification_token": "secret_verify"}

    page = new_task(sdk(server), "Signed")
    admin.post("/webhook/flush")
    events = receiver.wait_for(2)
    for delivery in events:
        assert is_valid(token, delivery.body, delivery.headers.get("X-Notion-Signature"))
    created = events[0].json()
    assert created["type"] == "page.created"
    assert created["entity"] == {"id": page["id"], "type": "page"}
    assert created["authors"] == [{"id": DEMO["bot"], "type": "bot"}]
    assert created["workspace_id"] == DEMO["workspace"]
    assert created["data"]["parent"] == {
        "id": DEMO["tasks_database"],
        "type": "database",
        "data_source_id": DEMO["tasks_data_source"],
    }
    assert events[1].json()["type"] == "data_source.content_updated"

    idea = admin.post("/workspaces/demo/ideas", {"title": "Weekly digest", "content": "Collect the links."})
    assert idea["status"] == 200
    admin.post("/webhook/flush")
    by_person = [e.json() for e in receiver.wait_for(4)][2]
    assert by_person["type"] == "page.created"
    assert by_person["authors"] == [{"id": DEMO["owner"], "type": "person"}]


def test_comment_and_content_events(server: SandboxServer, admin: Admin, receiver: WebhookReceiver) -> None:
    subscribe(admin, receiver)
    client = sdk(server)
    client.blocks.children.append(block_id=DEMO["idea_dashboard"], children=[paragraph("more")])
    comment = person_comments(admin, DEMO["idea_dashboard"], "@agent please")
    admin.post("/webhook/flush")
    types = [e.json()["type"] for e in receiver.wait_for(2)]
    assert types == ["page.content_updated", "comment.created"]
    event = receiver.events()[1].json()
    assert event["entity"] == {"id": comment["response"]["id"], "type": "comment"}
    assert event["data"] == {
        "page_id": DEMO["idea_dashboard"],
        "parent": {"id": DEMO["idea_dashboard"], "type": "page"},
    }


def test_trashing_a_page_sends_page_deleted_and_restoring_it_page_undeleted(
    server: SandboxServer, admin: Admin, receiver: WebhookReceiver
) -> None:
    subscribe(admin, receiver)
    for trashed in (True, False):
        act = {
            "method": "PATCH",
            "path": f"/v1/pages/{DEMO['idea_dashboard']}",
            "body": {"in_trash": trashed},
        }
        assert admin.post("/workspaces/demo/act", act)["status"] == 200
    admin.post("/webhook/flush")
    events = [e.json() for e in receiver.wait_for(2)]
    assert [e["type"] for e in events] == ["page.deleted", "page.undeleted"]
    assert all(e["entity"] == {"id": DEMO["idea_dashboard"], "type": "page"} for e in events)
    assert events[0]["data"]["parent"]["data_source_id"] == DEMO["ideas_data_source"]


def test_duplicates_and_tampering(server: SandboxServer, admin: Admin, receiver: WebhookReceiver) -> None:
    token = subscribe(admin, receiver, duplicates=1, tamper_next=1, emit_bot_events=False)
    admin.post(
        "/workspaces/demo/act",
        {
            "method": "PATCH",
            "path": f"/v1/pages/{DEMO['task_report']}",
            "body": {"properties": {"Status": {"status": {"name": "Done"}}}},
        },
    )
    admin.post("/webhook/flush")
    events = receiver.wait_for(4)
    ids = [e.json()["id"] for e in events]
    assert len(ids) == 4 and len(set(ids)) == 2  # every event twice, same id
    first = events[0]
    assert not is_valid(token, first.body, first.headers["X-Notion-Signature"])  # signed another body
    assert all(is_valid(token, e.body, e.headers["X-Notion-Signature"]) for e in events[2:])


def test_delay_reorder_and_aggregation(
    server: SandboxServer, admin: Admin, receiver: WebhookReceiver
) -> None:
    subscribe(admin, receiver, delay=0.4, reorder=True, aggregation_delay=0.8, emit_bot_events=False)
    act = "/workspaces/demo/act"
    admin.post(
        act,
        {
            "method": "PATCH",
            "path": f"/v1/pages/{DEMO['task_report']}",
            "body": {"properties": {"Status": {"status": {"name": "Done"}}}},
        },
    )
    admin.post(
        act,
        {
            "method": "PATCH",
            "path": f"/v1/pages/{DEMO['task_report']}",
            "body": {"properties": {"Priority": {"select": {"name": "Low"}}}},
        },
    )
    person_comments(admin, DEMO["task_report"], "done")
    time.sleep(0.15)
    assert receiver.events() == []  # late: nothing yet
    assert admin.post("/webhook/flush", {"force": False, "timeout": 5})["flushed"] is True
    events = [e.json() for e in receiver.events()]
    # Two property updates became one event; newest first because of reordering.
    assert [e["type"] for e in events] == [
        "comment.created",
        "data_source.content_updated",
        "page.properties_updated",
    ]
    tasks = admin.get("/workspaces/demo/state")["ids"]
    assert tasks["task_report"] == DEMO["task_report"]
    assert len(events[2]["data"]["updated_properties"]) == 2


def test_failed_deliveries_are_retried_with_attempt_numbers(
    server: SandboxServer, admin: Admin, receiver: WebhookReceiver
) -> None:
    subscribe(admin, receiver, max_attempts=3, retry_backoff=0.01)
    receiver.status = 500
    new_task(sdk(server), "Retry me")
    admin.post("/webhook/flush")
    attempts = [d["attempt_number"] for d in admin.get("/webhook/deliveries") if d["type"] == "page.created"]
    assert attempts == [1, 2, 3]


# -- OAuth --------------------------------------------------------------------------------------------


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def authorize(server: SandboxServer, **extra: str) -> dict[str, list[str]]:
    params = {
        "client_id": "cid",
        "redirect_uri": "http://127.0.0.1:9/cb",
        "response_type": "code",
        "owner": "user",
        "state": "s1",
        **extra,
    }
    response = HTTP.get(f"{server.url}/v1/oauth/authorize", params=params)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "http://127.0.0.1:9/cb"
    return parse_qs(location.query)


def test_oauth_code_flow_refresh_and_revoke(server: SandboxServer, admin: Admin) -> None:
    admin.post(
        "/oauth", {"client_id": "cid", "client_secret": "csecret", "redirect_uris": ["http://127.0.0.1:9/cb"]}
    )
    query = authorize(server)
    assert query["state"] == ["s1"]
    body = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": "http://127.0.0.1:9/cb",
    }
    url = f"{server.url}/v1/oauth/token"

    assert HTTP.post(url, json=body, headers=basic("cid", "wrong")).status_code == 401
    granted = HTTP.post(url, json=body, headers=basic("cid", "csecret"))
    assert granted.status_code == 200
    tokens = granted.json()
    assert tokens["token_type"] == "bearer" and tokens["workspace_id"] == DEMO["workspace"]
    assert tokens["bot_id"] == DEMO["bot"] and tokens["owner"]["type"] == "user"
    assert sync_reply(sdk(server, token=tokens["access_token"]).users.me())["id"] == DEMO["bot"]

    replay = HTTP.post(url, json=body, headers=basic("cid", "csecret"))
    assert replay.status_code == 400 and replay.json()["code"] == "invalid_grant"

    other = authorize(server)
    mismatch = HTTP.post(
        url,
        json={**body, "code": other["code"][0], "redirect_uri": "http://127.0.0.1:9/other"},
        headers=basic("cid", "csecret"),
    )
    assert mismatch.status_code == 400 and mismatch.json()["code"] == "invalid_grant"

    refreshed = HTTP.post(
        url,
        json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic("cid", "csecret"),
    ).json()
    assert refreshed["access_token"] != tokens["access_token"]
    with pytest.raises(APIResponseError):
        sdk(server, token=tokens["access_token"]).users.me()  # rotated away
    revoked = HTTP.post(
        f"{server.url}/v1/oauth/revoke",
        json={"token": refreshed["access_token"]},
        headers=basic("cid", "csecret"),
    )
    assert revoked.status_code == 200
    with pytest.raises(APIResponseError) as caught:
        sdk(server, token=refreshed["access_token"]).users.me()
    assert caught.value.code == APIErrorCode.Unauthorized


def test_each_person_s_authorization_is_a_grant_of_their_own(server: SandboxServer, admin: Admin) -> None:
    """As Notion: the token names the person who authorized (``owner``); revoking one person's token
    leaves another's working (a member's sign-in revokes theirs, the owner's stays)."""
    admin.post("/oauth", {"client_id": "cid", "client_secret": "csecret", "user_id": None})
    url, granted = f"{server.url}/v1/oauth/token", {}
    for person in ("owner", "teammate"):
        admin.post("/oauth", {"user_id": DEMO[person] if person == "teammate" else None})
        body = {
            "grant_type": "authorization_code",
            "code": authorize(server)["code"][0],
            "redirect_uri": "http://127.0.0.1:9/cb",
        }
        granted[person] = HTTP.post(url, json=body, headers=basic("cid", "csecret")).json()
    admin.post("/oauth", {"user_id": None})
    assert granted["owner"]["owner"]["user"]["id"] == DEMO["owner"]
    assert granted["teammate"]["owner"]["user"]["id"] == DEMO["teammate"]
    assert granted["teammate"]["owner"]["user"]["person"]["email"]
    revoke = {"token": granted["teammate"]["access_token"]}
    assert (
        HTTP.post(f"{server.url}/v1/oauth/revoke", json=revoke, headers=basic("cid", "csecret")).status_code
        == 200
    )
    with pytest.raises(APIResponseError):
        sdk(server, token=granted["teammate"]["access_token"]).users.me()
    assert sync_reply(sdk(server, token=granted["owner"]["access_token"]).users.me())["id"] == DEMO["bot"]


def test_oauth_denial(server: SandboxServer, admin: Admin) -> None:
    admin.post("/oauth", {"client_id": "cid", "client_secret": "csecret"})
    assert authorize(server, sandbox_deny="1") == {"error": ["access_denied"], "state": ["s1"]}
    admin.post("/oauth", {"deny": True})
    assert authorize(server) == {"error": ["access_denied"], "state": ["s1"]}


# -- tenant isolation -----------------------------------------------------------------------------------


def test_workspaces_are_isolated(server: SandboxServer, admin: Admin) -> None:
    acme = admin.post("/workspaces", {"key": "acme", "name": "Acme", "seed": "demo"})
    assert acme["workspace_id"] == seed_ids("acme")["workspace"] != DEMO["workspace"]
    theirs, ours = sdk(server, token=acme["access_token"]), sdk(server)
    with pytest.raises(APIResponseError) as caught:
        theirs.pages.retrieve(page_id=DEMO["task_report"])
    assert caught.value.code == APIErrorCode.ObjectNotFound
    with pytest.raises(APIResponseError):
        theirs.data_sources.query(data_source_id=DEMO["tasks_data_source"])
    with pytest.raises(APIResponseError):
        theirs.blocks.children.append(block_id=DEMO["idea_newsletter"], children=[paragraph("x")])
    new_task(theirs, "Acme only", acme["ids"]["tasks_data_source"])
    assert "Acme only" not in names(
        sync_reply(ours.data_sources.query(data_source_id=DEMO["tasks_data_source"]))
    )
    assert admin.get("/workspaces/demo/state")["writes"] == {}
    assert admin.get(f"/workspaces/{acme['workspace_id']}/state")["writes"] == {"pages.create": 1}
    ids_ours = {r["id"] for r in sync_reply(ours.search())["results"]}
    ids_theirs = {r["id"] for r in sync_reply(theirs.search())["results"]}
    assert ids_ours.isdisjoint(ids_theirs)


# -- command line -----------------------------------------------------------------------------------------


def test_cli_prints_ready_and_exits_cleanly_on_sigterm() -> None:
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "local.notion_sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("READY http://127.0.0.1:")
        url = line.split()[1]
        assert HTTP.get(f"{url}/v1/users/me", headers=HEADERS).json()["id"] == DEMO["bot"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_malformed_filters_get_a_notion_error_not_a_crash(server: SandboxServer) -> None:
    path = f"{server.url}/v1/data_sources/{DEMO['tasks_data_source']}/query"
    for bad in (
        {"filter": {"property": "Due", "date": {}}},
        {"filter": {"property": "Status", "status": "x"}},
    ):
        response = HTTP.post(path, headers=HEADERS, json=bad)
        assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_children_page_size_is_at_most_100(server: SandboxServer) -> None:
    client = sdk(server)
    page = new_task(client, "Paged page")
    client.blocks.children.append(block_id=page["id"], children=[paragraph(str(i)) for i in range(25)])
    with pytest.raises(APIResponseError) as caught:
        client.blocks.children.list(block_id=page["id"], page_size=101)
    assert caught.value.code == APIErrorCode.ValidationError
    seen: list[str] = []
    cursor = None
    while True:
        reply = sync_reply(
            client.blocks.children.list(block_id=page["id"], page_size=10, start_cursor=cursor)
        )
        assert len(reply["results"]) <= 10
        seen += [b["paragraph"]["rich_text"][0]["plain_text"] for b in reply["results"]]
        if not reply["has_more"]:
            assert reply["next_cursor"] is None
            break
        cursor = reply["next_cursor"]
    assert seen == [str(i) for i in range(25)]


def test_a_link_in_rich_text_is_kept_and_answered_as_notion_documents(server: SandboxServer) -> None:
    """Notion's rich text reference: a text item's ``text.link.url`` comes back as sent and as the
    item's ``href``, in a block, a comment and the page's Markdown (decision 0124 keeps a write's key
    there). A link without a url, or one longer than a URL may be, is refused."""
    client = sdk(server)
    url = "https://console.example/?ref=abc-r1%3A2%3A1#/runs/r1"
    item = {
        "type": "text",
        "text": {"content": "Notion Agent", "link": {"url": url}},
        "annotations": {"italic": True},
    }
    page = DEMO["task_report"]
    [block] = sync_reply(
        client.blocks.children.append(block_id=page, children=[{"paragraph": {"rich_text": [item]}}])
    )["results"]
    [answered] = block["paragraph"]["rich_text"]
    assert answered["text"] == {"content": "Notion Agent", "link": {"url": url}}
    assert (answered["href"], answered["plain_text"], answered["annotations"]["italic"]) == (
        url,
        "Notion Agent",
        True,
    )
    read = sync_reply(client.blocks.retrieve(block_id=block["id"]))["paragraph"]["rich_text"][0]
    assert read["href"] == url
    sync_reply(
        client.comments.create(parent={"page_id": page}, rich_text=[{"text": {"content": "Done.\n"}}, item])
    )
    comment = sync_reply(client.comments.list(block_id=page))["results"][-1]
    assert [i["href"] for i in comment["rich_text"]] == [None, url]
    markdown = HTTP.get(f"{server.url}/v1/pages/{page}/markdown", headers=HEADERS).json()["markdown"]
    assert f"[*Notion Agent*]({url})" in markdown
    for link in ({}, {"url": ""}, {"url": "https://x.example/" + "a" * 2000}):
        bad = {"type": "text", "text": {"content": "x", "link": link}}
        with pytest.raises(APIResponseError) as refused:
            client.blocks.children.append(block_id=page, children=[{"paragraph": {"rich_text": [bad]}}])
        assert refused.value.code == APIErrorCode.ValidationError
