"""Ask: ``POST /ask`` ``{"question", "conversation_id"?}`` answers from the workspace index, citing
the pages it used, and changes nothing (shared/memory/services/ask.py). A ``conversation_id`` carries the
conversation's latest turns; without one, a new conversation starts and its id comes back."""

from uuid import uuid4

from pydantic import ConfigDict, Field, field_validator

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.memory.services.ask import QUESTION_CHARS, ask_in_conversation
from shared.platform.domain.schema import Schema


class AskRequest(Schema):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1,
        max_length=QUESTION_CHARS,
        json_schema_extra={"pattern": r"\S"},  # what _not_blank holds, for the contract
        description="What to ask the workspace: some text besides spaces",
    )
    conversation_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$",  # never Firestore's reserved __id__
        description="The conversation a follow-up belongs to (the id an earlier answer gave)",
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, question: str) -> str:
        if not question.strip():
            raise ValueError("a question needs some text besides spaces")
        return question


def post_ask(call: Call) -> Reply:
    body = parse_json(call.request, AskRequest)
    conversation = body.conversation_id or uuid4().hex
    deps = call.container.engine()
    got = ask_in_conversation(deps, call.tenant_id, body.question, conversation)
    return {"answer": got.text, "cited": got.cited, "conversation_id": conversation}, 200
