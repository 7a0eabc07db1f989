"""The Tasks property naming the tool's item a mirrored page was made for (``Sync ID``): written and read
when the data source has it as rich text, nothing written and nothing read when it does not; added
by one data source update when missing, a refusal said (decision 0132)."""

from typing import Any

import pytest

from shared.notion.adapters.notion import NotionApiError
from shared.platform.errors import TransientError
from shared.sync.domain.mapping import SYNC_KEY, NotionSchema, sync_key_of
from shared.sync.services.sync_column import with_sync_key

TITLE = {"Name": {"type": "title", "title": {}}}


def page(properties: dict[str, Any]) -> dict[str, Any]:
    return {"id": "p1", "properties": properties}


def test_a_data_source_with_the_property_holds_the_items_key() -> None:
    schema = NotionSchema({"properties": TITLE | {SYNC_KEY: {"type": "rich_text", "rich_text": {}}}})
    key = sync_key_of("motion", "task-7")
    written = schema.sync_key_property(key)
    assert key == "motion:task-7"
    assert written == {SYNC_KEY: {"rich_text": [{"type": "text", "text": {"content": key}}]}}
    read_back = {
        SYNC_KEY: {"type": "rich_text", "rich_text": [{"plain_text": "motion:"}, {"plain_text": "task-7"}]}
    }
    assert schema.sync_key(page(read_back)) == key
    assert schema.sync_key(page({})) == ""
    assert "Sync ID" not in schema.properties({"title": "x", "description": "y"}, {})  # never merged


def test_a_data_source_without_it_or_with_another_type_gets_nothing() -> None:
    for properties in (TITLE, TITLE | {SYNC_KEY: {"type": "select", "select": {}}}):
        schema = NotionSchema({"properties": properties})
        assert not schema.has_sync_key and schema.sync_key_property("linear:1") == {}
        assert schema.sync_key(page({SYNC_KEY: {"rich_text": [{"plain_text": "linear:1"}]}})) == ""


class Source:
    """A data source's schema and the updates asked of it (``refusal``: what Notion raises instead)."""

    def __init__(self, properties: dict[str, Any], refusal: Exception | None = None) -> None:
        self.properties, self.refusal = dict(properties), refusal
        self.updates: list[tuple[str, dict[str, Any]]] = []

    def update_data_source(self, data_source_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        self.updates.append((data_source_id, properties))
        if self.refusal is not None:
            raise self.refusal
        self.properties |= {n: {"type": next(iter(c))} | c for n, c in properties.items()}
        return {"properties": self.properties}


def added(source: Source) -> tuple[NotionSchema, str]:
    notion: Any = source
    return with_sync_key(notion, "ds1", NotionSchema({"properties": source.properties}))


def test_a_data_source_without_the_column_gets_it_by_one_update_and_then_none() -> None:
    source = Source(TITLE)
    schema, note = added(source)
    assert schema.has_sync_key and note == ""
    assert source.updates == [("ds1", {SYNC_KEY: {"rich_text": {}}})]
    again, note = added(source)  # the column there: nothing asked again
    assert again.has_sync_key and note == "" and len(source.updates) == 1


def test_a_refusal_or_the_owners_own_property_of_that_name_is_said_and_leaves_the_window() -> None:
    refused = Source(TITLE, NotionApiError(403, "restricted_resource", "Insufficient permissions"))
    schema, note = added(refused)
    assert not schema.has_sync_key and len(refused.updates) == 1
    assert note.startswith(
        "No 'Sync ID' column: Notion refused adding the 'Sync ID' column (Notion answered 403"
    )
    assert "capability to update content" in note and "second item" in note
    owners = Source(TITLE | {SYNC_KEY: {"type": "select", "select": {}}})
    schema, note = added(owners)
    assert not schema.has_sync_key and owners.updates == []  # the owner's property is never changed
    assert "is a select property, not Text" in note
    failing = Source(TITLE, TransientError("Notion answered 503"))
    with pytest.raises(TransientError):  # not said: the task is retried
        added(failing)
