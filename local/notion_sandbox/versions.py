"""``Notion-Version``: the values Notion accepts, the two the sandbox implements, and what differs.

Notion names every version it accepts when a request carries another (400, "Notion-Version header
failed validation: Notion-Version header should be ..."): the seven of :data:`KNOWN`. The sandbox
implements 2025-09-03 and 2026-03-11 (:data:`IMPLEMENTED`) and refuses an older one it does not model,
saying so, rather than answer in shapes that version never had.

2026-03-11's breaking changes (Notion's "Upgrade guide" for it), as the sandbox holds them:

- Append block children takes ``position`` (``{"type": "after_block", "after_block": {"id"}}``,
  ``{"type": "start"}``, ``{"type": "end"}``) and no longer ``after``: a body with ``after`` is a 400.
- ``archived`` is gone from requests and responses, ``in_trash`` alone says it (pages, databases,
  data sources, blocks): a body with ``archived`` is a 400; responses carry no ``archived``.
- the ``transcription`` block type is ``meeting_notes``.
"""

from __future__ import annotations

from typing import Any

from local.notion_sandbox.errors import NotionError, missing_version, validation_error

KNOWN = ("2021-05-11", "2021-05-13", "2021-08-16", "2022-02-22", "2022-06-28", "2025-09-03", "2026-03-11")
IMPLEMENTED = ("2025-09-03", "2026-03-11")
CURRENT = "2026-03-11"
_TRASHABLE = {"page", "database", "data_source", "block"}


def check(header: str | None) -> str:
    """The version a request asks for; a 400 ``missing_version`` when there is none or Notion knows no
    such version (Notion's message, naming the versions it accepts), a 400 ``validation_error`` for a
    version Notion accepts that the sandbox does not implement."""
    if not header:
        raise missing_version()
    if header not in KNOWN:
        accepted = ", ".join(f'"{v}"' for v in KNOWN[:-1]) + f', or "{KNOWN[-1]}"'
        raise NotionError(
            400,
            "missing_version",
            f"Notion-Version header failed validation: Notion-Version header should be {accepted}, "
            f'instead was "{header}".',
        )
    if header not in IMPLEMENTED:
        raise validation_error(
            f"The Notion sandbox implements Notion-Version {' and '.join(IMPLEMENTED)} only, not {header}."
        )
    return header


def check_request(version: str, method: str, path: str, body: dict[str, Any]) -> None:
    """A 400 ``validation_error`` for a body field ``version`` does not have (see the module)."""
    if version < "2026-03-11" or method not in ("POST", "PATCH"):
        return
    if "archived" in body:
        raise validation_error(
            "body failed validation: body.archived is not a valid parameter in Notion-Version "
            f"{version}; use body.in_trash."
        )
    if method == "PATCH" and path.strip("/").endswith("/children") and "after" in body:
        raise validation_error(
            "body failed validation: body.after is not a valid parameter in Notion-Version "
            f"{version}; use body.position with type after_block."
        )


def shape(version: str, payload: Any) -> Any:
    """``payload`` (a response, or a webhook's entity) as ``version`` answers it."""
    if version < "2026-03-11":
        return payload
    if isinstance(payload, list):
        return [shape(version, item) for item in payload]
    if not isinstance(payload, dict):
        return payload
    out = {key: shape(version, value) for key, value in payload.items()}
    if out.get("object") in _TRASHABLE:
        out.pop("archived", None)
    if out.get("object") == "block" and out.get("type") == "transcription":
        out["type"] = "meeting_notes"
        out["meeting_notes"] = out.pop("transcription", {})
    return out
