"""The answers of mail's routes (functions.routes.mail_api): Gmail's pushes."""

from typing import Literal

from pydantic import Field

from shared.platform.domain.schema import Schema


class MailPushAnswer(Schema):
    """What became of a push: the new mails read, each one's outcome."""

    result: Literal["synced", "duplicate", "unknown"]
    outcomes: list[
        Literal["started", "asked", "reply", "duplicate", "spoofed", "stranger", "own", "not-to-agent"]
    ] = Field(default_factory=list, description="synced: one per new mail, oldest first")
    full_sync: bool = Field(
        False, description="synced: the stored history id was too old; the newest mails read"
    )
