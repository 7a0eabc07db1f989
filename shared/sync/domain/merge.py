"""The merge rule of one item, both sides at once, pure. Each side's fields are compared with the hash of
what that side held after the last merge (what we wrote, read back). So our own write coming back is no
change, and never echoes. A field changed on one side goes to the other. Changed on both sides to different
values, the later edit wins (a tie goes to Notion), and the choice is a :class:`Decision` for the sync log.
The tool's side is Linear's by default; another tool (GitLab) names itself and gives its ``view``: what of a
value it can hold (GitLab's open/closed for a status group). So a value it cannot hold is not written to it
again and again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from shared.sync.domain.fields import FIELDS, TaskFields, value_hash

Side = str  # notion | the tool's name (linear, gitlab)


class Decision(NamedTuple):
    """One field changed on both sides to different values, and which side won (for the sync log)."""

    field: str
    winner: Side
    notion_at: datetime
    tool_at: datetime


class Merge(NamedTuple):
    """What to write to each side (only the fields that differ there), the merged item, and the
    conflicts settled."""

    to_notion: dict[str, object]
    to_tool: dict[str, object]  # to the tool's side (Linear's, GitLab's or Motion's)
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


def merge(
    notion: Held,
    other: Held,
    tool: str = "linear",
    view: Callable[[TaskFields], TaskFields] | None = None,
) -> Merge:
    """Merge the two sides, each against what it held after the last merge. ``other`` is the tool's
    side, named ``tool`` in the decisions; ``view`` (default: all of it) is what the tool can hold of
    the merged item: the tool is written only where its view differs from what it holds."""
    n_changed, t_changed = changed(notion.fields, notion.seen), changed(other.fields, other.seen)
    result: dict[str, object] = {}
    decisions: list[Decision] = []
    for name in FIELDS:
        n_value, t_value = getattr(notion.fields, name), getattr(other.fields, name)
        if n_value == t_value or name not in t_changed:
            result[name] = n_value
        elif name not in n_changed:
            result[name] = t_value
        else:  # changed on both sides, to different values
            winner: Side = tool if other.at > notion.at else "notion"
            decisions.append(Decision(name, winner, notion.at, other.at))
            result[name] = t_value if winner == tool else n_value
    merged = TaskFields.model_validate(result)
    # A field neither side changed is left as each side holds it, even where they differ. What one
    # side cannot hold (a label with no Labels property, a status group GitLab has no state for) never
    # overwrites what the other holds.
    moved = n_changed | t_changed
    to_notion = {k: v for k, v in result.items() if k in moved and getattr(notion.fields, k) != v}
    held = (view or _whole)(merged)
    to_tool = {
        k: getattr(held, k) for k in FIELDS if k in moved and getattr(other.fields, k) != getattr(held, k)
    }
    return Merge(to_notion, to_tool, merged, tuple(decisions))


def _whole(fields: TaskFields) -> TaskFields:
    return fields
