"""A press of a run's approval buttons, as Slack posts it to the app's Interactivity URL
(``block_actions``, a form field ``payload``). The message is ``approval_blocks``
(``shared.notify.domain.slack_threads``), sent in the run's thread by notify. A button names the run
and the very request it decides, as a decision in the console does. Pure."""

from __future__ import annotations

import json
from typing import Annotated, Literal
from urllib.parse import parse_qs

from pydantic import ConfigDict, Field, ValidationError

from shared.platform.domain.schema import Schema
from shared.platform.errors import InvalidInput

_ID = r"^[A-Z0-9]{2,32}$"
# A button's action_id → what it asks ("undo_effect": one effect of the run, named by the button's value).
DECISIONS = {"approve": "approve", "decline": "reject", "undo": "undo", "undo_effect": "undo"}


class _Id(Schema):
    model_config = ConfigDict(extra="ignore")
    id: Annotated[str, Field(pattern=_ID)]


class _Action(Schema):
    model_config = ConfigDict(extra="ignore")
    action_id: Literal["approve", "decline", "undo", "undo_effect"]
    value: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,100} [A-Za-z0-9_.:-]{1,100}$")]


class _Container(Schema):
    model_config = ConfigDict(extra="ignore")
    message_ts: Annotated[str, Field(pattern=r"^\d{1,12}\.\d{1,9}$")] | None = None
    thread_ts: Annotated[str, Field(pattern=r"^\d{1,12}\.\d{1,9}$")] | None = None


class Press(Schema):
    """One press of an approval's button: who, where, and which run's request it decides."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["block_actions"]
    team: _Id
    user: _Id
    channel: _Id
    container: _Container | None = None  # no default instance: a model is built on first use
    actions: Annotated[list[_Action], Field(min_length=1, max_length=1)]

    @property
    def decision(self) -> str:
        return DECISIONS[self.actions[0].action_id]

    @property
    def run_and_request(self) -> tuple[str, str]:
        run_id, request_id = self.actions[0].value.split(" ")
        return run_id, request_id

    @property
    def chosen(self) -> list[int] | None:
        """The one effect an "Undo this" press undoes (its value's second part); None: the whole run."""
        if self.actions[0].action_id != "undo_effect":
            return None
        return [int(self.run_and_request[1])]

    @property
    def thread(self) -> str:
        where = self.container
        return (where.thread_ts or where.message_ts or "") if where is not None else ""


def parse_press(body: bytes) -> Press:
    """The press in a signed request's form ``body`` (``payload=<JSON>``); InvalidInput naming what is
    wrong otherwise (another kind of interaction is refused the same way)."""
    try:
        [payload] = parse_qs(body.decode("utf-8"), strict_parsing=True)["payload"]
        pressed = Press.model_validate(json.loads(payload))
    except (UnicodeDecodeError, ValueError, KeyError) as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "payload"
            raise InvalidInput(f"not a button press this app takes: {where}: {first['msg']}") from None
        raise InvalidInput(
            "not a button press this app takes: the body must be a form with one payload"
        ) from None
    effect = pressed.run_and_request[1]
    if pressed.actions[0].action_id == "undo_effect" and not (effect.isdigit() and len(effect) <= 9):
        raise InvalidInput("not a button press this app takes: an effect's undo names the effect's number")
    return pressed


STRANGER_PRESS = (
    "Only a member of the Notion workspace this Slack is connected to, matched by the email of their "
    "Slack account, may decide a run's request, and yours is not among them. Nothing was decided."
)


STRANGER_UNDO = (
    "Only a member of the Notion workspace this Slack is connected to, matched by the email of their "
    "Slack account, may undo a run, and yours is not among them. Nothing was undone."
)


def decided(decision: str, who: str) -> str:
    """What the thread is told once a press decided the request."""
    return f"{'Approved' if decision == 'approve' else 'Declined'} by {who}."


def refused(reason: str) -> str:
    """What the person who pressed is told, alone, when their press decided nothing."""
    return f"Nothing was decided: {reason[:500]}"
