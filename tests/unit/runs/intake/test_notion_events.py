"""Webhook events (pure): signature, filters by tenant settings, own-bot events, the plan task."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.runs.domain.notion_events import (
    NotionEvent,
    admit,
    is_handshake,
    mentions_bot,
    plan_task,
    signature_valid,
)
from shared.runs.domain.plan_task import READ_LAG, PlanTask
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant

TOKEN = "secret_verification"
BOT = "bot-0000-1111"
DS = "2a3b4c5d-0000-4000-8000-000000000001"
PAGE = "3b4c5d6e-0000-4000-8000-000000000002"


def sign(body: bytes, token: str = TOKEN) -> str:
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def test_signature_is_checked_over_the_exact_body() -> None:
    body = b'{"id": "e1"}'
    assert signature_valid(TOKEN, body, sign(body))
    assert not signature_valid(TOKEN, body + b" ", sign(body))
    assert not signature_valid(TOKEN, body, sign(body, "other"))
    assert not signature_valid(TOKEN, body, None)
    assert not signature_valid(TOKEN, body, "")
    assert not signature_valid(TOKEN, body, sign(body).removeprefix("sha256="))
    assert not signature_valid(TOKEN, body, "sha256=é" + "0" * 63)  # non-ASCII header: no exception


def test_handshake_is_only_a_lone_verification_token() -> None:
    assert is_handshake({"verification_token": "secret_x"})
    assert not is_handshake({"verification_token": "secret_x", "type": "page.created"})
    assert not is_handshake({"verification_token": 5})
    assert not is_handshake(["verification_token"])


def tenant(**settings: Any) -> Tenant:
    now = datetime.now(UTC)
    return Tenant(
        tenant_id="t1",
        workspace_id="ws1",
        bot_id=BOT,
        token_secret="notion-token-t1",
        settings=TenantSettings(**settings),
        created_at=now,
        updated_at=now,
    )


def event(kind: str = "page.created", authors: list[str] | None = None, **data: Any) -> NotionEvent:
    entity = (
        {"id": "c0mment-1", "type": "comment"} if kind.startswith("comment") else {"id": PAGE, "type": "page"}
    )
    if kind.startswith("data_source"):
        entity = {"id": DS, "type": "data_source"}
    return NotionEvent.model_validate(
        {
            "id": "evt-1",
            "type": kind,
            "timestamp": "2026-01-05T09:00:00.000Z",
            "workspace_id": "ws1",
            "authors": [
                {"id": a, "type": "bot" if a == BOT else "person"} for a in (authors or ["person-1"])
            ],
            "entity": entity,
            "data": data,
        }
    )


IN_DS: dict[str, Any] = {"parent": {"id": "db-1", "type": "database", "data_source_id": DS}}


@pytest.mark.parametrize(
    ("settings", "kind", "data", "start"),
    [
        ({"data_source_ids": [DS]}, "page.created", IN_DS, True),
        ({"data_source_ids": [DS.replace("-", "")]}, "page.created", IN_DS, True),  # URL form
        ({"data_source_ids": [DS]}, "page.properties_updated", IN_DS, False),  # default rules: no edits
        ({"data_source_ids": ["other"]}, "page.created", IN_DS, False),
        ({}, "page.content_updated", IN_DS, False),
        ({"page_ids": [PAGE]}, "page.content_updated", {"parent": {"id": "x", "type": "space"}}, True),
        (
            {"page_ids": ["parent-page"]},
            "page.created",
            {"parent": {"id": "parent-page", "type": "page"}},
            True,
        ),
        (
            {"data_source_ids": [DS]},
            "data_source.content_updated",
            {"parent": {"id": "db", "type": "database"}},
            False,
        ),
        # A page chosen for what the agent knows starts nothing unless chosen to start work
        (
            {"page_ids": [PAGE], "trigger_page_ids": []},
            "page.content_updated",
            {"parent": {"id": "x", "type": "space"}},
            False,
        ),
        (
            {"page_ids": [PAGE], "trigger_page_ids": [PAGE]},
            "page.content_updated",
            {"parent": {"id": "x", "type": "space"}},
            True,
        ),
        ({}, "comment.created", {"page_id": PAGE, "parent": {"id": PAGE, "type": "page"}}, True),
        ({"react_to_mentions": False}, "comment.created", {"page_id": PAGE}, False),
    ],
)
def test_tenant_settings_decide_which_events_start_work(
    settings: dict[str, Any], kind: str, data: dict[str, Any], start: bool
) -> None:
    assert admit(event(kind, **data), tenant(**settings)).admitted is start


def test_our_own_bots_events_never_start_work_but_a_persons_share_of_an_aggregate_does() -> None:
    chosen = tenant(data_source_ids=[DS])
    assert not admit(event("page.created", [BOT], **IN_DS), chosen).admitted
    assert not admit(event("comment.created", [BOT], page_id=PAGE), chosen).admitted
    rule = {
        "kind": "property_changed",
        "property": "Status",
        "property_id": "st%3A",
        "property_type": "status",
    }
    watching = tenant(data_source_ids=[DS], triggers={DS: [rule]})
    changed = IN_DS | {"updated_properties": ["st%3A"]}
    assert admit(event("page.properties_updated", [BOT, "person-1"], **changed), watching).admitted
    assert not admit(event("page.properties_updated", [BOT], **changed), watching).admitted


def test_the_plan_task_is_named_from_the_event_and_carries_its_identities() -> None:
    request = plan_task(event("page.created", **IN_DS), "t1")
    task, task_id = request.task, request.task_id
    assert task_id == "plan:t1:evt-1" and task.run_id == "wh-evt-1"
    assert request.not_before is None and not request.coalesced
    assert task.trigger.kind == "webhook" and task.trigger.event_type == "page.created"
    assert (task.trigger.page_id, task.trigger.data_source_id) == (PAGE, DS)
    comment = plan_task(event("comment.created", page_id=PAGE), "t1").task
    assert (comment.trigger.comment_id, comment.trigger.page_id) == ("c0mment-1", PAGE)
    assert PlanTask.model_validate_json(task.model_dump_json()) == task


def at(kind: str, when: str, event_id: str = "evt-1", page: str = PAGE, **data: Any) -> NotionEvent:
    base = event(kind, **data).model_dump()
    base["entity"]["id"] = page if not kind.startswith("comment") else base["entity"]["id"]
    return NotionEvent.model_validate(base | {"id": event_id, "timestamp": when})


def test_a_pages_changes_in_one_window_name_one_task_and_run_that_wait_for_its_end() -> None:
    first = plan_task(at("page.created", "2026-01-05T09:00:00Z", **IN_DS), "t1", 60)
    window = int(datetime(2026, 1, 5, 9, tzinfo=UTC).timestamp() // 60)
    key = f"{PAGE.replace('-', '')}-{window}"
    assert (first.task.run_id, first.task_id) == (f"wh-{key}", f"plan:t1:page:{key}")
    assert first.not_before == datetime(2026, 1, 5, 9, 1, tzinfo=UTC) and first.coalesced
    for kind, when in (("page.content_updated", "09:00:30"), ("page.properties_updated", "09:00:59.999")):
        later = plan_task(at(kind, f"2026-01-05T{when}Z", "evt-2"), "t1", 60)
        assert (later.task.run_id, later.task_id, later.not_before) == (
            first.task.run_id,
            first.task_id,
            first.not_before,
        )
    assert first.task.trigger.event_id == "evt-1"  # the task keeps the event that created it
    # Every change the run stands for happened before the window's end: a run of the page that
    # claimed it READ_LAG after that has read them all.
    assert first.task.trigger.changed_before == first.not_before
    assert first.task.trigger.seen_by(first.not_before + READ_LAG)
    assert not first.task.trigger.seen_by(first.not_before + READ_LAG - timedelta(microseconds=1))
    assert not first.task.trigger.seen_by(None)
    nxt = plan_task(at("page.content_updated", "2026-01-05T09:01:00Z", "evt-3"), "t1", 60)
    assert nxt.task.run_id == f"wh-{PAGE.replace('-', '')}-{window + 1}"
    assert nxt.not_before == datetime(2026, 1, 5, 9, 2, tzinfo=UTC)
    other = plan_task(
        at("page.created", "2026-01-05T09:00:10Z", page="4c5d6e7f-0000-4000-8000-000000000003"), "t1", 60
    )
    assert other.task.run_id != first.task.run_id
    hyphens_dropped = plan_task(
        at("page.created", "2026-01-05T09:00:10Z", page=PAGE.replace("-", "").upper()), "t1", 60
    )
    assert hyphens_dropped.task.run_id == first.task.run_id  # the same page, however its id is written


def test_comments_and_a_zero_window_are_never_merged() -> None:
    comment = plan_task(at("comment.created", "2026-01-05T09:00:00Z", "c-1", page_id=PAGE), "t1", 60)
    assert comment.task.run_id == "wh-c-1" and comment.not_before is None and not comment.coalesced
    off = plan_task(at("page.content_updated", "2026-01-05T09:00:00Z", "evt-9"), "t1", 0)
    assert off.task.run_id == "wh-evt-9" and off.not_before is None
    assert off.task.trigger.changed_before is None and not off.task.trigger.seen_by(datetime.now(UTC))


def test_a_page_id_that_is_no_plain_id_still_makes_a_valid_run_id() -> None:
    odd = plan_task(at("page.created", "2026-01-05T09:00:00Z", page="page/with spaces"), "t1", 60)
    assert PlanTask.model_validate_json(odd.task.model_dump_json()) == odd.task
    assert odd.task.run_id.startswith("wh-") and "/" not in odd.task.run_id


def test_mentions_bot_reads_a_comments_rich_text() -> None:
    mention = {"type": "mention", "mention": {"type": "user", "user": {"id": BOT}}, "plain_text": "@Agent"}
    assert mentions_bot({"rich_text": [{"type": "text", "plain_text": "hi "}, mention]}, BOT)
    assert not mentions_bot({"rich_text": [{"type": "text", "plain_text": f"hi {BOT}"}]}, BOT)
    assert not mentions_bot({}, BOT)
