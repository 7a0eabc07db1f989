"""The Gmail sandbox through the official client (google-api-python-client with google-auth's refresh),
its answers checked against the schemas of the discovery document that client ships (Google's own
description of the Gmail API): watch, history from a history id (404 when too old), messages in raw
and full form, send kept in the thread only by Gmail's threading rules, the token endpoint's refresh."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import googleapiclient.discovery_cache
import pytest
from googleapiclient.errors import HttpError

from local.gmail_sandbox.app import CLIENT_ID, CLIENT_SECRET, GmailSandbox, serve
from shared.mail.adapters.gmail_api import GmailApi
from shared.mail.domain import messages as dm
from shared.mail.ports import HistoryGone
from shared.platform.errors import Unauthenticated
from tests.support.mail.mails import AGENT, mail

REFRESH = "1//sandbox-refresh-scribe"
_DOC = os.path.join(os.path.dirname(googleapiclient.discovery_cache.__file__), "documents", "gmail.v1.json")
SCHEMAS: dict[str, Any] = json.load(open(_DOC))["schemas"]  # noqa: SIM115 - read once at import
_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}


def conforms(value: Any, schema: dict[str, Any], where: str = "") -> None:
    """``value`` has only the properties ``schema`` documents, each of its documented JSON type."""
    if "$ref" in schema:
        schema = SCHEMAS[schema["$ref"]]
    kind = schema.get("type", "object")
    assert isinstance(value, _TYPES[kind]), f"{where}: {value!r} is no {kind}"
    if isinstance(value, list):
        for i, item in enumerate(value):
            conforms(item, schema["items"], f"{where}[{i}]")
    elif isinstance(value, dict) and "properties" in schema:
        for name, inner in value.items():
            assert name in schema["properties"], f"{where}.{name} is not in Google's schema"
            conforms(inner, schema["properties"][name], f"{where}.{name}")


@pytest.fixture
def gmail() -> Iterator[tuple[GmailSandbox, GmailApi, str]]:
    sandbox, server = serve()
    sandbox.connect(AGENT, REFRESH)
    api = GmailApi(server.url, server.url + "/token", CLIENT_ID, CLIENT_SECRET, 30)
    try:
        yield sandbox, api, server.url
    finally:
        server.stop()


def _users(api: GmailApi) -> Any:
    return api._users(REFRESH)


def test_watch_and_history_answer_googles_shapes_oldest_first_from_the_id(gmail: Any) -> None:
    sandbox, api, _ = gmail
    watched = _users(api).watch(userId="me", body={"topicName": "projects/p/topics/gmail"}).execute()
    conforms(watched, SCHEMAS["WatchResponse"], "watch")
    start = int(watched["historyId"])
    first = sandbox.deliver(AGENT, mail("bo@acme.example", "one", "1"))
    second = sandbox.deliver(AGENT, mail("bo@acme.example", "two", "2"))
    page = (
        _users(api)
        .history()
        .list(userId="me", startHistoryId=str(start), historyTypes="messageAdded")
        .execute()
    )
    conforms(page, SCHEMAS["ListHistoryResponse"], "history")
    assert [h["messagesAdded"][0]["message"]["id"] for h in page["history"]] == [first["id"], second["id"]]
    assert api.history(REFRESH, int(first["historyId"])) == ([second["id"]], int(second["historyId"]))
    assert api.history(REFRESH, int(second["historyId"])) == ([], int(second["historyId"]))


def test_history_pages_are_all_read_and_a_forgotten_id_is_404(gmail: Any) -> None:
    sandbox, api, _ = gmail
    start, expires = api.watch(REFRESH, "projects/p/topics/gmail")
    assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)  # Gmail's seven days
    ids = [sandbox.deliver(AGENT, mail("bo@acme.example", f"n{i}", "x"))["id"] for i in range(3)]
    one = _users(api).history().list(userId="me", startHistoryId=str(start), maxResults=2).execute()
    assert len(one["history"]) == 2 and "nextPageToken" in one
    assert api.history(REFRESH, start)[0] == ids
    sandbox.forget_history(AGENT)
    with pytest.raises(HttpError) as gone:
        _users(api).history().list(userId="me", startHistoryId=str(start)).execute()
    assert gone.value.resp.status == 404
    with pytest.raises(HistoryGone):
        api.history(REFRESH, start)
    assert api.recent(REFRESH, 2) == ids[1:]  # the bounded full sync: the newest, oldest first


def test_a_message_in_raw_and_full_form(gmail: Any) -> None:
    sandbox, api, _ = gmail
    sent = mail("bo@acme.example", "notes", "see attached", attachments=(("a.txt", "text/plain", b"hello"),))
    record = sandbox.deliver(AGENT, sent)
    raw = _users(api).messages().get(userId="me", id=record["id"], format="raw").execute()
    conforms(raw, SCHEMAS["Message"], "raw")
    assert base64.urlsafe_b64decode(raw["raw"]) == sent.as_bytes()
    full = _users(api).messages().get(userId="me", id=record["id"], format="full").execute()
    conforms(full, SCHEMAS["Message"], "full")
    [text, attached] = full["payload"]["parts"]
    assert base64.urlsafe_b64decode(text["body"]["data"]).decode().strip() == "see attached"
    assert (
        attached["filename"] == "a.txt"
        and "attachmentId" in attached["body"]
        and "data" not in attached["body"]
    )
    assert api.raw(REFRESH, record["id"]) == (sent.as_bytes(), record["threadId"], ["INBOX", "UNREAD"])


def test_a_reply_stays_in_the_thread_only_by_gmails_threading_rules(gmail: Any) -> None:
    sandbox, api, _ = gmail
    record = sandbox.deliver(AGENT, mail("bo@acme.example", "Budget", "numbers?"))
    received = dm.parse(record["raw"])
    good = dm.reply(received, AGENT, "here", "k-1", "agents.example")
    answer = (
        _users(api)
        .messages()
        .send(
            userId="me",
            body={"raw": base64.urlsafe_b64encode(good.as_bytes()).decode(), "threadId": record["threadId"]},
        )
        .execute()
    )
    conforms(answer, SCHEMAS["Message"], "send")
    assert answer["threadId"] == record["threadId"] and answer["labelIds"] == ["SENT"]
    assert api.sent_in_thread(REFRESH, record["threadId"], "k-1")
    assert not api.sent_in_thread(REFRESH, record["threadId"], "k-2")
    stray = dm.reply(received, AGENT, "here", "k-3", "agents.example")
    del stray["In-Reply-To"], stray["References"]  # without them Gmail starts a new thread
    assert api.send(REFRESH, stray.as_bytes(), record["threadId"]) != record["threadId"]
    assert len(sandbox.thread(AGENT, record["threadId"])) == 2


def test_the_refresh_token_is_exchanged_and_a_revoked_one_refused(gmail: Any) -> None:
    sandbox, api, url = gmail
    assert api.history(REFRESH, 1) == ([], 1000)  # the consent exchanged for an access token
    with pytest.raises(Unauthenticated, match="invalid_grant"):
        GmailApi(url, url + "/token", CLIENT_ID, CLIENT_SECRET, 30).history("1//not-a-consent", 1)
    with pytest.raises(Unauthenticated, match="invalid_client"):
        GmailApi(url, url + "/token", CLIENT_ID, "wrong", 30).history(REFRESH, 1)
    sandbox.accounts.forget_all()  # the consent withdrawn: Gmail's 401, then the refresh's invalid_grant
    with pytest.raises(Unauthenticated, match="invalid_grant"):
        api.history(REFRESH, 1)
