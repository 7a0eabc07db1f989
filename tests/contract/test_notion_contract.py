"""The sandbox's responses and webhook payloads checked against @notionhq/client's types (+ overlay)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jsonschema import Draft7Validator

from local.notion_sandbox import SandboxServer, seed_ids
from local.notion_sandbox.contract import endpoints, load_contract, validate
from local.notion_sandbox.contract.schema import KNOWN, Validator
from local.notion_sandbox.testing import Admin, WebhookReceiver
from tests.support.notion.notion_http import HEADERS, HTTP, call

DEMO = seed_ids("demo")


def conforms(name: str, payload: Any) -> None:
    problems = validate(name, payload)
    assert problems == [], f"{name}: {problems[:5]}"


def test_the_contract_uses_only_keywords_the_validator_knows() -> None:
    seen: set[str] = set()

    def walk(node: Any, in_properties: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not in_properties:
                    seen.add(key)
                walk(value, in_properties=key == "properties" and not in_properties)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(load_contract()["definitions"], in_properties=True)
    assert seen <= KNOWN, seen - KNOWN
    assert len(endpoints()) == 30  # the generated 29 and the overlay's DELETE /v1/comments/{comment_id}


def test_the_validator_rejects_wrong_shapes(server: SandboxServer) -> None:
    _, page = call(server, "GET", f"/v1/pages/{DEMO['task_report']}")
    conforms("GET /v1/pages/{page_id}", page)
    assert validate("GET /v1/pages/{page_id}", {**page, "object": "block"})
    assert validate("GET /v1/pages/{page_id}", {k: v for k, v in page.items() if k != "parent"})
    broken = json.loads(json.dumps(page))
    broken["properties"]["Status"]["status"]["color"] = "chartreuse"
    assert validate("GET /v1/pages/{page_id}", broken)
    assert validate("error", {"object": "error", "status": 400, "code": "nope", "message": "m"})


def mutations(node: Any, limit: int = 400) -> Iterator[Any]:
    """Copies of ``node`` each broken (or not) at one place: a value of another type, a key dropped,
    an unknown key added, an item dropped; breadth first, at most ``limit``."""
    paths: list[tuple[Any, ...]] = [()]
    for path in paths:
        if len(paths) > limit:
            break
        here = node
        for step in path:
            here = here[step]
        if isinstance(here, dict):
            paths += [(*path, key) for key in here]
        elif isinstance(here, list):
            paths += [(*path, i) for i in range(len(here))]
    for path in paths[1:limit]:
        for change in ("retype", "drop", "extra"):
            copy = json.loads(json.dumps(node))
            parent = copy
            for step in path[:-1]:
                parent = parent[step]
            if change == "retype":
                parent[path[-1]] = 7 if isinstance(parent[path[-1]], str) else "seven"
            elif change == "drop":
                del parent[path[-1]]
            elif isinstance(parent[path[-1]], dict):
                parent[path[-1]]["zz_unknown"] = 1
            yield copy


def test_the_quick_verdict_agrees_with_jsonschema_and_the_explanation(server: SandboxServer) -> None:
    """``Validator.valid`` (the short-circuit walk every ``validate`` takes first) says yes exactly
    when jsonschema's Draft 7 validator does on the same schema, and ``errors`` explains each no."""
    definitions = load_contract()["definitions"]
    ours = Validator(definitions)
    cases = [
        ("GET /v1/pages/{page_id}", f"/v1/pages/{DEMO['task_report']}"),
        ("GET /v1/blocks/{block_id}/children", f"/v1/blocks/{DEMO['home_page']}/children"),
        ("GET /v1/comments", f"/v1/comments?block_id={DEMO['task_report']}"),
    ]
    verdicts = {True: 0, False: 0}
    for name, path in cases:
        status, payload = call(server, "GET", path)
        assert status == 200, payload
        schema = {"$ref": f"#/definitions/{endpoints()[name]}"}
        oracle = Draft7Validator({"definitions": definitions, "allOf": [schema]})
        for instance in [payload, *mutations(payload)]:
            verdict = ours.valid(instance, schema)
            assert verdict == oracle.is_valid(instance), (name, instance)
            assert (ours.errors(instance, schema) == []) == verdict
            verdicts[verdict] += 1
    assert min(verdicts.values()) > 100, verdicts  # both answers were exercised


def test_read_endpoints_conform(server: SandboxServer) -> None:
    checks = [
        ("GET /v1/users/me", "GET", "/v1/users/me", None),
        ("POST /v1/search", "POST", "/v1/search", {"query": ""}),
        ("GET /v1/pages/{page_id}", "GET", f"/v1/pages/{DEMO['idea_newsletter']}", None),
        (
            "GET /v1/data_sources/{data_source_id}",
            "GET",
            f"/v1/data_sources/{DEMO['tasks_data_source']}",
            None,
        ),
        (
            "GET /v1/data_sources/{data_source_id}",
            "GET",
            f"/v1/data_sources/{DEMO['ideas_data_source']}",
            None,
        ),
        (
            "POST /v1/data_sources/{data_source_id}/query",
            "POST",
            f"/v1/data_sources/{DEMO['tasks_data_source']}/query",
            {},
        ),
        ("GET /v1/databases/{database_id}", "GET", f"/v1/databases/{DEMO['tasks_database']}", None),
        ("GET /v1/blocks/{block_id}/children", "GET", f"/v1/blocks/{DEMO['home_page']}/children", None),
        ("GET /v1/comments", "GET", f"/v1/comments?block_id={DEMO['task_report']}", None),
    ]
    for name, method, path, body in checks:
        status, payload = call(server, method, path, body)
        assert status == 200, payload
        conforms(name, payload)


def test_write_endpoints_conform(server: SandboxServer) -> None:
    status, page = call(
        server,
        "POST",
        "/v1/pages",
        {
            "parent": {"data_source_id": DEMO["tasks_data_source"]},
            "properties": {
                "Name": {"title": [{"text": {"content": "Contract"}, "annotations": {"bold": True}}]},
                "Status": {"status": {"name": "Done"}},
                "Priority": {"select": {"name": "Urgent"}},
                "Due": {"date": {"start": "2026-02-01", "end": None}},
                "Assignee": {"people": [{"id": DEMO["owner"]}]},
                "For agent": {"checkbox": True},
            },
            "children": [
                {"heading_2": {"rich_text": [{"text": {"content": "Plan"}}]}},
                {"to_do": {"rich_text": [{"text": {"content": "step"}}], "checked": False}},
                {"bulleted_list_item": {"rich_text": [{"mention": {"user": {"id": DEMO["owner"]}}}]}},
                {"code": {"rich_text": [{"text": {"content": "print(1)"}}], "language": "python"}},
                {"divider": {}},
            ],
        },
    )
    assert status == 200, page
    conforms("POST /v1/pages", page)
    status, updated = call(
        server,
        "PATCH",
        f"/v1/pages/{page['id']}",
        {"properties": {"Status": {"status": {"name": "In progress"}}}},
    )
    conforms("PATCH /v1/pages/{page_id}", updated)
    status, appended = call(
        server,
        "PATCH",
        f"/v1/blocks/{page['id']}/children",
        {
            "children": [
                {
                    "quote": {
                        "rich_text": [{"text": {"content": "q", "link": {"url": "https://example.com"}}}]
                    }
                },
                {"callout": {"rich_text": [{"text": {"content": "c"}}]}},
                {
                    "toggle": {
                        "rich_text": [{"text": {"content": "t"}}],
                        "children": [{"paragraph": {"rich_text": []}}],
                    }
                },
            ]
        },
    )
    assert status == 200, appended
    conforms("PATCH /v1/blocks/{block_id}/children", appended)
    _, children = call(server, "GET", f"/v1/blocks/{page['id']}/children")
    conforms("GET /v1/blocks/{block_id}/children", children)
    _, comment = call(
        server,
        "POST",
        "/v1/comments",
        {"parent": {"page_id": page["id"]}, "rich_text": [{"text": {"content": "hi"}}]},
    )
    conforms("POST /v1/comments", comment)
    _, listed = call(server, "GET", "/v1/comments", block_id=page["id"])
    conforms("GET /v1/comments", listed)
    status, retrieved = call(server, "GET", f"/v1/comments/{comment['id']}")
    assert status == 200 and {k: v for k, v in retrieved.items() if k != "request_id"} == {
        k: v for k, v in comment.items() if k != "request_id"
    }, (retrieved, comment)
    conforms("GET /v1/comments/{comment_id}", retrieved)
    status, missing = call(server, "GET", f"/v1/comments/{page['id']}")  # a page's id is no comment's
    assert status == 404 and missing["code"] == "object_not_found"
    conforms("error", missing)


def test_deleting_a_comment_answers_the_comment_and_then_404(server: SandboxServer) -> None:
    """``DELETE /v1/comments/{id}`` ("Delete a comment"): the deleted comment, as Notion's comment
    object; the same again, or a person's comment, is 404 object_not_found in Notion's error body."""
    _, comment = call(
        server,
        "POST",
        "/v1/comments",
        {"parent": {"page_id": DEMO["task_report"]}, "rich_text": [{"text": {"content": "bye"}}]},
    )
    status, deleted = call(server, "DELETE", f"/v1/comments/{comment['id']}")
    assert status == 200 and deleted["id"] == comment["id"], deleted
    conforms("DELETE /v1/comments/{comment_id}", deleted)
    status, again = call(server, "DELETE", f"/v1/comments/{comment['id']}")
    assert status == 404 and again["code"] == "object_not_found"
    conforms("error", again)


def test_database_endpoints_conform(server: SandboxServer) -> None:
    """Create a database under a page (since 2025-09-03: with its initial data source), trash it; each
    request body is checked against the SDK's parameter types too."""
    create = {
        "parent": {"type": "page_id", "page_id": DEMO["home_page"]},
        "title": [{"type": "text", "text": {"content": "Runs"}}],
        "initial_data_source": {
            "properties": {
                "Goal": {"title": {}},
                "Status": {"status": {}},
                "Decision": {"select": {"options": [{"name": "Waiting", "color": "yellow"}]}},
                "Cost": {"number": {"format": "dollar"}},
                "Started": {"date": {}},
                "Trigger page": {"url": {}},
            }
        },
    }
    conforms("request POST /v1/databases", create)
    status, database = call(server, "POST", "/v1/databases", create)
    assert status == 200, database
    conforms("POST /v1/databases", database)
    _, source = call(server, "GET", f"/v1/data_sources/{database['data_sources'][0]['id']}")
    conforms("GET /v1/data_sources/{data_source_id}", source)
    assert source["database_parent"] == {"type": "page_id", "page_id": DEMO["home_page"]}
    assert [g["name"] for g in source["properties"]["Status"]["status"]["groups"]] == [
        "To-do",
        "In progress",
        "Complete",
    ]
    status, trashed = call(server, "PATCH", f"/v1/databases/{database['id']}", {"in_trash": True})
    assert status == 200 and trashed["in_trash"]
    conforms("PATCH /v1/databases/{database_id}", trashed)
    _, found = call(server, "POST", "/v1/search", {"query": "Runs"})
    assert database["data_sources"][0]["id"] not in [r["id"] for r in found["results"]]
    search = {"query": "", "page_size": 2, "filter": {"property": "object", "value": "page"}}
    conforms("request POST /v1/search", search)
    assert validate("request POST /v1/databases", {"parent": {"page_id": DEMO["home_page"]}})
    for refused in (
        {"parent": {"type": "page_id", "page_id": DEMO["owner"]}},
        {**create, "initial_data_source": {"properties": {"Goal": {"rich_text": {}}}}},
    ):
        status, error = call(server, "POST", "/v1/databases", refused)
        assert status in (400, 404), error
        conforms("error", error)


def test_error_bodies_conform(server: SandboxServer) -> None:
    admin = Admin(server.url)
    errors = [
        HTTP.get(f"{server.url}/v1/users/me", headers={"Authorization": HEADERS["Authorization"]}),
        HTTP.get(f"{server.url}/v1/users/me", headers={**HEADERS, "Authorization": "Bearer nope"}),
        HTTP.get(f"{server.url}/v1/pages/{DEMO['owner']}", headers=HEADERS),
        HTTP.post(f"{server.url}/v1/search", headers=HEADERS, content=b"{not json"),
        HTTP.post(
            f"{server.url}/v1/data_sources/{DEMO['tasks_data_source']}/query",
            headers=HEADERS,
            json={"page_size": 500},
        ),
        HTTP.get(f"{server.url}/v1/nowhere", headers=HEADERS),
    ]
    admin.post("/faults", {"status": 429, "count": 1, "retry_after": 1})
    admin.post("/faults", {"status": 529, "count": 1})
    errors += [HTTP.get(f"{server.url}/v1/users/me", headers=HEADERS) for _ in range(2)]
    assert [r.status_code for r in errors] == [400, 401, 404, 400, 400, 400, 429, 529]
    for response in errors:
        conforms("error", response.json())


def test_oauth_responses_conform(server: SandboxServer) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(b"sandbox-client-id:sandbox-client-secret").decode()}
    redirect = HTTP.get(
        f"{server.url}/v1/oauth/authorize",
        params={
            "client_id": "sandbox-client-id",
            "redirect_uri": "http://127.0.0.1:9/cb",
            "response_type": "code",
            "owner": "user",
        },
    )
    code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
    token = HTTP.post(
        f"{server.url}/v1/oauth/token",
        headers=auth,
        json={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1:9/cb",
        },
    )
    conforms("POST /v1/oauth/token", token.json())
    refreshed = HTTP.post(
        f"{server.url}/v1/oauth/token",
        headers=auth,
        json={"grant_type": "refresh_token", "refresh_token": token.json()["refresh_token"]},
    )
    conforms("POST /v1/oauth/token", refreshed.json())
    revoked = HTTP.post(
        f"{server.url}/v1/oauth/revoke", headers=auth, json={"token": refreshed.json()["access_token"]}
    )
    conforms("POST /v1/oauth/revoke", revoked.json())
    replay = HTTP.post(
        f"{server.url}/v1/oauth/token", headers=auth, json={"grant_type": "authorization_code", "code": code}
    )
    conforms("error", replay.json())


def test_webhook_payloads_conform(server: SandboxServer) -> None:
    admin = Admin(server.url)
    with WebhookReceiver() as receiver:
        admin.post("/webhook", {"url": receiver.url})
        _, page = call(
            server,
            "POST",
            "/v1/pages",
            {"parent": {"data_source_id": DEMO["ideas_data_source"]}, "properties": {"Name": {"title": []}}},
        )
        call(
            server,
            "PATCH",
            f"/v1/pages/{page['id']}",
            {"properties": {"Status": {"status": {"name": "Done"}}}},
        )
        call(
            server,
            "PATCH",
            f"/v1/blocks/{page['id']}/children",
            {"children": [{"paragraph": {"rich_text": []}}]},
        )
        call(
            server,
            "POST",
            "/v1/comments",
            {"parent": {"page_id": page["id"]}, "rich_text": [{"text": {"content": "x"}}]},
        )
        admin.post("/webhook/flush")
        events = [r.json() for r in receiver.events()]
    kinds = sorted({e["type"] for e in events})
    assert kinds == [
        "comment.created",
        "data_source.content_updated",
        "page.content_updated",
        "page.created",
        "page.properties_updated",
    ]
    for event in events:
        conforms(f"webhook {event['type']}", event)


def test_a_persons_change_in_a_created_database_names_the_property_and_the_person(
    server: SandboxServer,
) -> None:
    """What the Runs database's Decision needs: a row's property changed by a person (of several) is
    a page.properties_updated event naming that property's id and that person."""
    admin = Admin(server.url)
    properties = {"Goal": {"title": {}}, "Decision": {"select": {"options": [{"name": "Waiting"}]}}}
    body = {
        "parent": {"type": "page_id", "page_id": DEMO["home_page"]},
        "title": [{"text": {"content": "Runs"}}],
        "initial_data_source": {"properties": properties},
    }
    _, database = call(server, "POST", "/v1/databases", body)
    source_id = database["data_sources"][0]["id"]
    _, source = call(server, "GET", f"/v1/data_sources/{source_id}")
    row = {"Goal": {"title": [{"text": {"content": "a run"}}]}, "Decision": {"select": {"name": "Waiting"}}}
    _, page = call(server, "POST", "/v1/pages", {"parent": {"data_source_id": source_id}, "properties": row})
    with WebhookReceiver() as receiver:
        admin.post("/webhook", {"url": receiver.url})
        acted = admin.post(
            "/workspaces/demo/act",
            {
                "method": "PATCH",
                "path": f"/v1/pages/{page['id']}",
                "body": {"properties": {"Decision": {"select": {"name": "Approve"}}}},
                "user_id": DEMO["teammate"],
            },
        )
        assert acted["status"] == 200, acted
        admin.post("/webhook/flush")
        events = [r.json() for r in receiver.events() if r.json()["type"] == "page.properties_updated"]
    assert len(events) == 1
    conforms("webhook page.properties_updated", events[0])
    assert events[0]["data"]["updated_properties"] == [source["properties"]["Decision"]["id"]]
    assert events[0]["authors"] == [{"id": DEMO["teammate"], "type": "person"}]
    assert events[0]["data"]["parent"]["data_source_id"] == source_id


def test_a_data_source_update_adds_renames_and_removes_a_property(server: SandboxServer) -> None:
    """``PATCH /v1/data_sources/{id}`` as Notion documents it ("Update data source properties"): a
    configuration adds a property (each row holds it empty), a repeat keeps it, ``name`` renames it,
    ``null`` removes it. The SDK's UpdateDataSourceResponse is GetDataSourceResponse's union."""
    create = {
        "parent": {"type": "page_id", "page_id": DEMO["home_page"]},
        "title": [{"type": "text", "text": {"content": "Chosen tasks"}}],
        "initial_data_source": {"properties": {"Task": {"title": {}}, "Status": {"status": {}}}},
    }
    _, database = call(server, "POST", "/v1/databases", create)
    source_id = database["data_sources"][0]["id"]
    row = {
        "parent": {"data_source_id": source_id},
        "properties": {"Task": {"title": [{"text": {"content": "a"}}]}},
    }
    _, page = call(server, "POST", "/v1/pages", row)
    path = f"/v1/data_sources/{source_id}"
    status, updated = call(server, "PATCH", path, {"properties": {"Sync ID": {"rich_text": {}}}})
    assert status == 200, updated
    conforms("GET /v1/data_sources/{data_source_id}", updated)
    column = updated["properties"]["Sync ID"]
    assert column["type"] == "rich_text" and column["name"] == "Sync ID"
    _, again = call(server, "PATCH", path, {"properties": {"Sync ID": {"rich_text": {}}}})
    assert again["properties"]["Sync ID"]["id"] == column["id"] and len(again["properties"]) == 3
    _, read = call(server, "GET", f"/v1/pages/{page['id']}")
    conforms("GET /v1/pages/{page_id}", read)
    assert read["properties"]["Sync ID"] == {"id": column["id"], "type": "rich_text", "rich_text": []}
    key = {"Sync ID": {"rich_text": [{"text": {"content": "linear:1"}}]}}
    call(server, "PATCH", f"/v1/pages/{page['id']}", {"properties": key})
    wanted = {"filter": {"property": "Sync ID", "rich_text": {"equals": "linear:1"}}}
    _, found = call(server, "POST", f"{path}/query", wanted)
    assert [p["id"] for p in found["results"]] == [page["id"]]
    _, renamed = call(server, "PATCH", path, {"properties": {column["id"]: {"name": "Key"}}})
    assert "Sync ID" not in renamed["properties"] and renamed["properties"]["Key"]["id"] == column["id"]
    _, read = call(server, "GET", f"/v1/pages/{page['id']}")
    assert read["properties"]["Key"]["rich_text"][0]["plain_text"] == "linear:1"
    _, removed = call(server, "PATCH", path, {"properties": {"Key": None}})
    _, read = call(server, "GET", f"/v1/pages/{page['id']}")
    assert "Key" not in removed["properties"] and "Key" not in read["properties"]
    refusals: list[dict[str, Any]] = [
        {"properties": {"Task": None}},  # the title property stays
        {"properties": {"Nothing": {"name": "Else"}}},  # no such property, no type to add it with
        {"properties": {"Status": {"select": {}}}},  # a type change: not modelled
        {"parent": {"type": "database_id", "database_id": database["id"]}},  # a move: not modelled
    ]
    for refused in refusals:
        status, error = call(server, "PATCH", path, refused)
        assert status == 400, (refused, error)
        conforms("error", error)
