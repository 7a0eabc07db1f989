"""The ``Sync ID`` column of the synced data source (decision 0132): a sync task on a data source lacking
it adds it, one ``PATCH /v1/data_sources/{id}`` that a repeat leaves as it is. Without the column a
retry finds its page by title and time, and a scan can make a second item. A refusal (the integration
may not update the data source) is said in the connection's status and the service's log, not hidden."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.platform import errors
from shared.sync.domain.mapping import SYNC_KEY, SYNC_KEY_COLUMN, NotionSchema

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion

log = logging.getLogger(__name__)

# What follows any reason the column is missing: what it costs and how the owner ends it.
_COST = (
    "until then a page made for an item is found again by its title and creation time, and a scan "
    "in that window can make a second item"
)


def with_sync_key(
    notion: TenantNotion, data_source_id: str, schema: NotionSchema
) -> tuple[NotionSchema, str]:
    """The data source's schema with its ``Sync ID`` column, added if missing, and "" ; or the schema as
    it is and why it has none (said plainly). A property of that name of another type is the owner's and
    is left as it is; Notion's refusal (a 403 or 400) is said; a transient failure is raised (retried)."""
    if schema.has_sync_key:
        return schema, ""
    taken = schema.sync_key_type
    if taken:
        why = f"the data source's {SYNC_KEY!r} property is a {taken} property, not Text: rename it or make it Text"
        return schema, _said(data_source_id, why)
    try:
        updated = NotionSchema(notion.update_data_source(data_source_id, SYNC_KEY_COLUMN))
    except errors.PermanentError as exc:  # a 403 restricted_resource, a 400: not carried out
        why = (
            f"Notion refused adding the {SYNC_KEY!r} column ({exc.reason[:200]}): give the integration "
            f"the capability to update content, or add a Text property named {SYNC_KEY!r}"
        )
        return schema, _said(data_source_id, why)
    if not updated.has_sync_key:
        return schema, _said(data_source_id, f"Notion's answer holds no Text property {SYNC_KEY!r}")
    log.info("sync: added the %r column to data source %s", SYNC_KEY, data_source_id)
    return updated, ""


def _said(data_source_id: str, why: str) -> str:
    note = f"No {SYNC_KEY!r} column: {why}; {_COST}."
    log.warning("sync: data source %s: %s", data_source_id, note)
    return note
