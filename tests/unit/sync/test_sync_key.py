"""The Tasks property naming the tool's item a mirrored page was made for (``Sync ID``): written and read
when the data source has it as rich text, nothing written and nothing read when it does not."""

from typing import Any

from shared.sync.domain.mapping import SYNC_KEY, NotionSchema, sync_key_of

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
