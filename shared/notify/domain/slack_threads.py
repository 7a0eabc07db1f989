"""A Slack thread a run answers in (docs/slack.md, "The answer in the thread"), and the approval's
message there: Approve and Decline buttons (Block Kit), each naming the run and the very request it
decides. A run started from Slack carries its thread as ``slack:<team>:<channel>:<thread ts>``
(``Trigger.thread``, ``RunState.thread``); its notifications carry it in ``data["slack_thread"]``.
Pure; below the slack capability, which reads the same buttons back when one is pressed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

_THREAD = re.compile(r"^slack:([A-Z0-9]{2,32}):([A-Z0-9]{2,32}):(\d{1,12}\.\d{1,9})$")
THREAD_KEY = "slack_thread"  # a notification's data: the thread it goes to
type Json = dict[str, Any]
type Blocks = Sequence[Json]  # a message's Block Kit blocks


class SlackThread(NamedTuple):
    team_id: str
    channel: str
    ts: str

    @property
    def ref(self) -> str:
        return f"slack:{self.team_id}:{self.channel}:{self.ts}"


def ref_parts(pattern: re.Pattern[str], ref: object) -> tuple[str, ...] | None:
    """The groups ``pattern`` finds in the whole of ``ref``; None when ``ref`` is no string or does
    not match, so a malformed thread reference (Slack's or a mail's) sends nothing anywhere."""
    found = pattern.fullmatch(ref) if isinstance(ref, str) else None
    return found.groups() if found else None


def parse_thread(ref: object) -> SlackThread | None:
    """The thread ``ref`` names (``slack:<team>:<channel>:<ts>``, Slack's ids and ts); None for
    anything else, so a malformed reference sends nothing anywhere."""
    parts = ref_parts(_THREAD, ref)
    return SlackThread(*parts) if parts else None


def thread_of(data: dict[str, Any]) -> SlackThread | None:
    """The thread a notification's ``data`` names, if it names one that holds."""
    return parse_thread(data.get(THREAD_KEY))


def approval_blocks(run_id: str, request_id: str, prompt: str, run_url: str) -> list[dict[str, Any]]:
    """The message asking for a decision: what the run asks, its link, and the two buttons, each
    carrying ``<run_id> <request_id>`` (never a link that decides: the press is checked as a person's).
    ``prompt`` is escaped as Slack's mrkdwn requires (``&``, ``<``, ``>``): a run's words link nothing.
    No link unless ``run_url`` is an http(s) URL."""
    value = f"{run_id} {request_id}"
    escape = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
    link = f" (<{run_url}|the run>)" if run_url.startswith(("https://", "http://")) else ""
    text = f"*Your decision is needed*{link}:\n{prompt[:2800].translate(escape)}"
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": f"decide-{request_id}"[:255],
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": "decline",
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Decline"},
                    "value": value,
                },
            ],
        },
    ]


# A run's request a person answers in words (humans.ANSWERED): in its Slack thread, by a reply there.
ANSWERED_BY_REPLY = ("question", "verdict")
REPLY_TO_ANSWER = (
    "Reply in this thread to answer: the person who started the run, or a member whose role may "
    "answer it. Nobody else's reply answers it."
)


UNDO_KEY = "undo"  # a run's end notification's data: the run its "Undo this run" button undoes
UNDO_ACTION = "undo"  # the button's action_id; its value is ``<run_id> undo``
# A run's end notification's data: its effects an undo can take back, ``[[effect id, label], ...]``,
# each offered with its own "Undo this" button (action ``undo_effect``, value ``<run_id> <effect id>``).
UNDO_EFFECTS_KEY = "undo_effects"
UNDO_EFFECT_ACTION = "undo_effect"
EFFECTS_SHOWN = 10  # effects offered one by one in the thread; the rest are chosen in the console
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def offered_effects(data: object) -> list[tuple[int, str]]:
    """The effects a run's end offers one by one (:data:`UNDO_EFFECTS_KEY`'s value), those well formed."""
    if not isinstance(data, list):
        return []
    return [
        (e[0], e[1])
        for e in data
        if isinstance(e, list | tuple) and len(e) == 2 and isinstance(e[0], int) and isinstance(e[1], str)
    ]


def _effect_blocks(run_id: str, effects: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """One section per effect (at most :data:`EFFECTS_SHOWN`), each with its "Undo this" button."""
    shown: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": label[:200].translate(_ESCAPE) or "-"},
            "accessory": {
                "type": "button",
                "action_id": UNDO_EFFECT_ACTION,
                "text": {"type": "plain_text", "text": "Undo this"},
                "value": f"{run_id} {effect}",
            },
        }
        for effect, label in effects[:EFFECTS_SHOWN]
    ]
    more = len(effects) - EFFECTS_SHOWN
    if more > 0:
        text = f"and {more} more: choose them in the run's view in the console"
        shown.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": "Or undo one change:"}]}, *shown]


def undo_blocks(run_id: str, text: str, effects: Sequence[tuple[int, str]] = ()) -> list[dict[str, Any]]:
    """The run's result in its thread with an "Undo this run" button carrying ``<run_id> undo`` and,
    with more than one of ``effects`` (effect id, label), an "Undo this" button for each. Every press
    is checked as the Runs row's Undo is (the same service), never a link that undoes. ``text`` is
    escaped as :func:`approval_blocks` escapes a prompt."""
    each = _effect_blocks(run_id, effects) if len(effects) > 1 else []
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900].translate(_ESCAPE) or "-"}},
        {
            "type": "actions",
            "block_id": f"undo-{run_id}"[:255],
            "elements": [
                {
                    "type": "button",
                    "action_id": UNDO_ACTION,
                    "text": {"type": "plain_text", "text": "Undo this run"},
                    "value": f"{run_id} undo",
                }
            ],
        },
        *each,
    ]
