"""Models of what the api's routes answer, and of the requests they check by hand, for the contract
only (``functions.openapi``): no handler imports them, so a route's first request loads none
(decision 0017). Here: the error body and the words and token of a mailed link's page; one module
per concern beside."""

from pydantic import Field

from functions._pages import LINK_TOKEN, TOKEN_CHARS
from shared.platform.domain.schema import Schema


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
