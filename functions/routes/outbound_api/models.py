"""The outbound routes' paths, bodies and answers, for the contract (``functions.routes.outbound_api``)."""

from typing import Literal

from pydantic import ConfigDict, Field

from shared.outbound.domain.events import EventType
from shared.platform.domain.schema import Schema

_ID = r"^h[0-9a-f]{16}$"


class EndpointPath(Schema):
    endpoint_id: str = Field(pattern=_ID, description="The endpoint's id")


class DeliveryPath(EndpointPath):
    delivery_id: str = Field(pattern=r"^msg_[0-9a-f]{24}$", description="The delivery's id (its webhook-id)")


class EndpointCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=10, max_length=500, description="Where events are POSTed: https on a public host"
    )
    events: list[EventType] = Field(
        min_length=1, max_length=len(EventType), description="The event types it takes"
    )
    request_id: str = Field(
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The create's idempotency key: the same key answers the same endpoint (its secret "
        "within an hour of the create)",
    )


class EndpointView(Schema):
    id: str
    url: str
    events: list[EventType]
    created_at: str = Field(description="When an admin registered it (ISO 8601)")
    enabled: bool = Field(description="False once disabled after repeated failures; Send again enables it")
    disabled_why: str = Field(description="Why it was disabled, in words ('' while enabled)")
    failures: int = Field(description="Failed attempts in a row")


class EndpointCreated(EndpointView):
    secret: str | None = Field(
        description="The signing secret (whsec_...), shown in this answer only: verify each delivery's "
        "webhook-signature with it (Standard Webhooks). null in a repeat an hour or more after the create"
    )


class EndpointList(Schema):
    endpoints: list[EndpointView]
    next_cursor: str | None = Field(description="Send it as cursor for the next page; null: the last page")


class EndpointRemoved(Schema):
    id: str
    removed: Literal[True]


class DeliveryView(Schema):
    id: str = Field(description="The delivery's id: the webhook-id header a receiver de-duplicates on")
    event_id: str
    type: EventType
    created_at: str
    status: Literal["pending", "delivered", "failed", "skipped"]
    attempts: int
    last_code: int | None = Field(description="The HTTP status of the last answer (null: none came)")
    last_error: str = Field(description="Why the last attempt failed, in words")
    last_at: str | None


class DeliveryList(Schema):
    deliveries: list[DeliveryView]
    next_cursor: str | None = Field(description="Send it as cursor for the next page; null: the last page")
