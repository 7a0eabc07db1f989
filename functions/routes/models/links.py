"""What the routes of mailed links answer (``functions.routes.approvals``, ``email_confirmations``)."""

from typing import Literal

from pydantic import Field

from functions.routes.models import PageWords
from shared.platform.domain.schema import Schema
from shared.runs.domain.events import RunStatus


class LinkPreview(Schema):
    """What the link would do, changing nothing; ``usable``: deciding now would apply it."""

    run_id: str
    decision: Literal["approve", "reject"]
    goal: str
    prompt: str = Field(description="The request it decides; empty once another is asked")
    status: RunStatus
    usable: bool
    confirm: str = Field(description="What using it now does, in words")
    page: PageWords


class LinkDecided(Schema):
    """The decision is recorded: the run's status after it."""

    status: RunStatus
    goal: str
    page: PageWords


class ConfirmationPreview(Schema):
    """What the link would do: ``waiting`` (confirming it applies), ``confirmed`` (done already) or
    ``changed`` (it is no longer the notification_email: confirming is a 409)."""

    email: str
    workspace_name: str
    status: Literal["waiting", "confirmed", "changed"]
    confirm: str
    page: PageWords


class Confirmed(Schema):
    """The address is the workspace's confirmed notification_email."""

    email: str
    workspace_name: str
    status: Literal["confirmed"]
    page: PageWords
