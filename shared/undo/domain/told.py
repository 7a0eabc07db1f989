"""What an undo run says in words when it ends, in the Slack thread of the run it undid (docs/slack.md):
what it restored and what it left as conflicts, from its ``undo_effect`` steps' outcomes. Pure."""

from collections.abc import Iterable, Mapping
from typing import Any

_SHOWN = 20  # effects named per list; the rest counted


def _named(outputs: list[Mapping[str, Any]]) -> str:
    names = [f"{o.get('tool', '?')} on {o.get('target', '?')}" for o in outputs[:_SHOWN]]
    more = f" and {len(outputs) - _SHOWN} more" if len(outputs) > _SHOWN else ""
    return "; ".join(names) + more


def outcome_words(outputs: Iterable[Mapping[str, Any]]) -> str:
    """``outputs`` (an undo run's ``undo_effect`` results) told: restored (``reverted`` or found
    ``already`` back), left as conflicts (a person's change since), and those nothing could take back."""
    taken = list(outputs)
    restored = [o for o in taken if o.get("outcome") in ("reverted", "already")]
    conflicts = [o for o in taken if o.get("outcome") == "conflict"]
    other = [o for o in taken if o not in restored and o not in conflicts]
    lines = [f"Restored {len(restored)}: {_named(restored)}." if restored else "Restored nothing."]
    if conflicts:
        lines.append(
            f"Left as conflicts (a person changed them since) {len(conflicts)}: {_named(conflicts)}."
        )
    else:
        lines.append("No conflicts.")
    if other:
        lines.append(f"Not taken back {len(other)}: {_named(other)}.")
    return "\n".join(lines)
