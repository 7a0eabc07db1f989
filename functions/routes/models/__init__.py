"""Models of what the api's routes answer, and of the requests they check by hand, for the contract
only (``functions.openapi``): no handler imports them, so a route's first request loads none
(decision 0017). Here: the error body, the words and token of a mailed link's page, and what the
routes of mailed links answer (``approvals``, ``email_confirmations``); one module per concern beside, and
the team's in ``team_api/`` (as ``functions.routes.team_api``)."""

from typing import Literal

from pydantic import Field

from functions._pages import LINK_TOKEN, TOKEN_CHARS
from shared.platform.domain.schema import Schema
from shared.runs.domain.events import RunStatus


class FieldProblem(Schema):
    field: str = Field(description="The field, query parameter or header, dotted (triggers.<id>)")
    problem: str = Field("", description="What is wrong with it, when the body's model says")


class Error(Schema):
    """A refusal or failure: ``error``, a code a program compares; ``reason``, a sentence a person
    reads."""

    error: str = Field(description="invalid_input, unauthenticated, forbidden, not_found, conflict, ...")
    reason: str
    fields: list[FieldProblem] = Field(default_factory=list, description="What was invalid (400)")
    error_id: str = Field("", description="Finds the traceback in the log (500)")


class PageWords(Schema):
    """What a mailed link's page shows."""

    title: str
    paragraphs: list[str]
    quote: str = Field(description="The owner's words, as written; empty: none")
    button: str = Field(description="The label of the button that uses the link; empty: none")


class LinkRefusal(Error):
    """A mailed link's refusal, with what its page shows (absent when the body was not a link's)."""

    page: PageWords | None = None


class LinkTokenPath(Schema):
    """An older mailed link's token, in its path: a signed token's characters (base64url and ".")."""

    token: str = Field(pattern=f"^{LINK_TOKEN}$", description="The link's code")


class LinkToken(Schema):
    """The token a mailed link carries after its ``#``."""

    token: str = Field(
        min_length=1, max_length=TOKEN_CHARS, description="The link's code, after # in the link"
    )


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
