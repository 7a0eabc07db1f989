"""A connected mailbox (``mail_mailboxes/{address hash}``): the agent address it is, the workspace and
agent it belongs to, where its OAuth refresh token is kept (a secret's name, never the token) and the
last Gmail history id read from it. And the body Pub/Sub pushes when Gmail notifies a change."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationError

from shared.platform.domain.schema import Schema
from shared.platform.errors import InvalidInput

WATCHES_ROUTE = "/mail-watches"  # plan's route Cloud Scheduler calls to renew Gmail's watches


class Mailbox(Schema):
    """One agent's address, connected with its Google Workspace mailbox's OAuth consent."""

    model_config = ConfigDict(extra="ignore")

    address: Annotated[str, Field(max_length=320)]
    tenant_id: Annotated[str, Field(max_length=100)]
    agent_id: Annotated[str, Field(max_length=100)] | None = None
    token_secret: Annotated[str, Field(max_length=200)]
    history_id: int = 0  # the last history id read: the next history.list starts from it
    connected_at: datetime
    topic: Annotated[str, Field(max_length=300)] = ""  # the Pub/Sub topic it is watched onto
    watch_expires: datetime | None = None  # when Gmail's watch ends unless renewed (None: not known)


def token_secret_name(tenant_id: str, address_key: str) -> str:
    """The Secret Manager name of a mailbox's refresh token."""
    return f"mail-{tenant_id}-{address_key}"


class _Data(Schema):
    emailAddress: Annotated[str, Field(min_length=3, max_length=320)]
    historyId: Annotated[int, Field(ge=1)]


class _Message(Schema):
    data: Annotated[str, Field(max_length=4000)]
    messageId: Annotated[str, Field(max_length=100)] = ""


class _Push(Schema):
    message: _Message
    subscription: Annotated[str, Field(max_length=300)] = ""


class Push(Schema):
    """A Gmail notification as Pub/Sub pushes it: the mailbox, its history id then, Pub/Sub's id."""

    address: str
    history_id: int
    message_id: str


def parse_push(body: bytes) -> Push:
    """The notification in a push body (``{"message": {"data": base64 of {"emailAddress", "historyId"},
    "messageId", "publishTime", "attributes"}, "subscription"}``). InvalidInput (400) for anything else."""
    try:
        outer = _Push.model_validate_json(body)
        data = _Data.model_validate(json.loads(base64.b64decode(outer.message.data, validate=True)))
    except (ValidationError, ValueError, binascii.Error) as bad:
        raise InvalidInput(f"not a Gmail notification pushed by Pub/Sub: {str(bad)[:200]}") from None
    return Push(
        address=data.emailAddress.lower(), history_id=data.historyId, message_id=outer.message.messageId
    )
