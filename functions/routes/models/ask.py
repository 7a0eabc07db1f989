"""What the Ask route answers (``functions.routes.ask``)."""

from pydantic import Field

from shared.platform.domain.schema import Schema


class Cited(Schema):
    page_id: str
    title: str
    url: str
    quote: str = Field(
        description="The cited passage's words (its first 300 characters), as the answer was given them"
    )


class AskAnswer(Schema):
    answer: str = Field(description="The answer, its sources listed after it")
    cited: list[Cited] = Field(description="The pages the answer used")
    conversation_id: str = Field(description="Send it with a follow-up to carry this conversation")
    searched: str = Field(
        description="The question as the workspace was searched for it: a follow-up rewritten to stand alone"
    )
