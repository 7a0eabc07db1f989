"""The merge rule of one item, both sides at once, pure. Each side's fields are compared with the hash
of what that side held after the last merge (what we wrote, read back). So our own write coming back
is no change, and never echoes. A field changed on one side goes to the other. Changed on both sides
to different values, the later edit wins (a tie goes to Notion), and the choice is a
:class:`Decision` for the sync log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple

from shared.sync.domain.fields import FIELDS, TaskFields, value_hash

Side = Literal["notion", "linear"]


class Decision(NamedTuple):
    """One field changed on both sides to different values, and which side won (for the sync log)."""

    field: str
    winner: Side
    notion_at: datetime
    linear_at: datetime


class Merge(NamedTuple):
    """What to write to each side (only the fields that differ there), the merged item, and the
    conflicts settled."""

    to_notion: dict[str, object]
    to_linear: dict[str, object]
    result: TaskFields
    decisions: tuple[Decision, ...]


def changed(fields: TaskFields, seen: dict[str, str]) -> set[str]:
    """The fields whose value is not the one last seen on that side (all of them, on a first sight)."""
    return {name for name in FIELDS if value_hash(getattr(fields, name)) != seen.get(name)}


class Held(NamedTuple):
    """One side of an item: its fields now, each field's hash after the last merge, its last edit."""

    fields: TaskFields
    seen: dict[str, str]
    at: datetime


def merge(notion: Held, linear: Held) -> Merge:
    """Merge the two sides, each against what it held after the last merge."""
    n_changed, l_changed = changed(notion.fields, notion.seen), changed(linear.fields, linear.seen)
    result: dict[str, object] = {}
    decisions: list[Decision] = []
    for name in FIELDS:
        n_value, l_value = getattr(notion.fields, name), getattr(linear.fields, name)
        if n_value == l_value or name not in l_changed:
            result[name] = n_value
        elif name not in n_changed:
            result[name] = l_value
        else:  # changed on both sides, to different values
            winner: Side = "linear" if linear.at > notion.at else "notion"
            decisions.append(Decision(name, winner, notion.at, linear.at))
            result[name] = l_value if winner == "linear" else n_value
    merged = TaskFields.model_validate(result)
    to_notion = {k: v for k, v in result.items() if getattr(notion.fields, k) != v}
    to_linear = {k: v for k, v in result.items() if getattr(linear.fields, k) != v}
    return Merge(to_notion, to_linear, merged, tuple(decisions))
