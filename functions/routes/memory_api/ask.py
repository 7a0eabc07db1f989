"""Ask: ``POST /ask`` ``{"question", "conversation_id"?}`` answers from the workspace index within
the asker's reach, citing the pages it used, and changes nothing (shared/memory/services/ask.py). A
``conversation_id`` (one an earlier answer gave the same person) carries the conversation's latest
turns; without one, a new conversation starts and the id the api made for it comes back."""

from typing import Annotated

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.memory.services.ask import QUESTION_CHARS, ask_in_conversation
from shared.platform.domain.schema import Schema, some_text
from shared.platform.errors import NotFound
from shared.team.services.sessions import require_connected


class AskRequest(Schema):
    model_config = ConfigDict(extra="forbid")

    question: Annotated[str, some_text("a question")] = Field(
        min_length=1,
        max_length=QUESTION_CHARS,
        json_schema_extra={"pattern": r"\S"},  # what some_text holds, for the contract
        description="What to ask the workspace: some text besides spaces",
    )
    conversation_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$",  # never Firestore's reserved __id__
        description="The conversation a follow-up belongs to: the id an earlier answer gave you. Leave it "
        "out to start a conversation (the api names it); an id of no conversation of yours is a 404",
    )


def post_ask(call: Call) -> Reply:
    body = parse_json(call.request, AskRequest)
    tenant = require_connected(call.tenant_id, call.tenants)
    if call.member is None:  # a session of a tenant without a document: it acts on nothing
        raise NotFound("this workspace is not connected")
    got, conversation = ask_in_conversation(
        call.container.engine(), tenant, call.member, body.question, body.conversation_id
    )
    shown = {"answer": got.text, "cited": got.cited, "conversation_id": conversation}
    return shown | {"searched": got.searched}, 200
