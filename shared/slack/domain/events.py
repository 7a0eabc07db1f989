"""Slack's Events API and slash commands as the product reads them (docs/slack.md). Slack posts an
envelope to the app's Request URL: a URL check, or an event callback around one event; a slash command
is a form. Here: which events ask an agent for something (a mention, a direct message), the request's
words, whether they are a question, a thread's reply that may be the app's (decision 0201), and the
replies sent in its thread. Pure."""

import hashlib
import re
from functools import cache
from typing import Annotated, Literal
from urllib.parse import parse_qs

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from shared.platform.domain.schema import Schema
from shared.platform.errors import InvalidInput

MAX_TEXT = 4_000  # a request's words kept for the run's goal (Slack allows 40,000 in a message)
_ID = r"^[A-Z0-9]{2,32}$"  # Slack's ids: team T…, user U…/W…, channel C…/D…/G…
_TS = r"^\d{1,12}\.\d{1,9}$"
_MENTION = re.compile(r"<@[A-Z0-9]{2,32}(?:\|[^>]*)?>")


class UrlVerification(Schema):
    """Slack's check of a Request URL: answered with its ``challenge``."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["url_verification"]
    challenge: Annotated[str, Field(min_length=1, max_length=200)]


class SlackEvent(Schema):
    """The inner event; only what the product reads of it."""

    model_config = ConfigDict(extra="ignore")
    type: Annotated[str, Field(max_length=60)]
    user: Annotated[str, Field(pattern=_ID)] | None = None
    text: Annotated[str, Field(max_length=40_000)] = ""
    channel: Annotated[str, Field(pattern=_ID)] | None = None
    channel_type: Annotated[str, Field(max_length=20)] = ""
    ts: Annotated[str, Field(pattern=_TS)] | None = None
    thread_ts: Annotated[str, Field(pattern=_TS)] | None = None
    subtype: Annotated[str, Field(max_length=60)] | None = None
    bot_id: Annotated[str, Field(max_length=32)] | None = None
    # tokens_revoked: the user ids whose tokens Slack revoked, by kind (``oauth``, ``bot``).
    tokens: dict[str, Annotated[list[Annotated[str, Field(pattern=_ID)]], Field(max_length=500)]] | None = (
        None
    )


class EventCallback(Schema):
    """One event of a Slack workspace (``team_id``) the app is installed in."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["event_callback"]
    team_id: Annotated[str, Field(pattern=_ID)]
    event_id: Annotated[str, Field(pattern=r"^Ev[A-Za-z0-9]{4,40}$")]
    event_time: int = 0
    event: SlackEvent


type Envelope = Annotated[UrlVerification | EventCallback, Field(discriminator="type")]


@cache
def _envelope() -> TypeAdapter[UrlVerification | EventCallback]:
    """Built on first use, as the models' validators are (a cold start of the api builds none)."""
    return TypeAdapter(Envelope)


def parse(body: bytes) -> UrlVerification | EventCallback:
    """The envelope of a signed request's ``body``; InvalidInput naming what is wrong otherwise (an
    app rate limit notice or another type Slack may send is refused the same way, and Slack stops)."""
    try:
        return _envelope().validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidInput(f"not a Slack event this app takes: {where}: {first['msg']}") from None


def asks(event: SlackEvent, bot_user_id: str) -> bool:
    """Whether ``event`` asks the agent for something: a mention of the app in a channel, or a
    person's direct message to it. Edits, joins, the bot's own messages and other bots' are not."""
    if event.bot_id or event.subtype or not event.user or event.user == bot_user_id:
        return False
    if not event.channel or not event.ts:
        return False
    return event.type == "app_mention" or (event.type == "message" and event.channel_type == "im")


# A thread's reply a person also sends to the channel (Slack's "Also send to #channel"): still a reply.
_REPLY_SUBTYPES = (None, "thread_broadcast")


def mentions(text: str, bot_user_id: str) -> bool:
    """Whether ``text`` mentions the app's bot user (``<@U…>`` or ``<@U…|name>``): Slack then sends an
    ``app_mention`` for the message too, and that one is taken."""
    return f"<@{bot_user_id}>" in text or f"<@{bot_user_id}|" in text


def replies(event: SlackEvent, bot_user_id: str) -> bool:
    """Whether ``event`` is a person's reply in a channel's thread that does not mention the app
    (``message.channels``/``message.groups``: a ``message`` with a ``thread_ts`` other than its own
    ``ts``), so one the app may be part of (decision 0201). Edits, deletions, joins, the bot's own
    messages and other bots' are not; nor is a message that mentions the app (its ``app_mention``
    is taken), nor the thread's first message."""
    if event.type != "message" or event.channel_type not in ("channel", "group"):
        return False
    if event.bot_id or event.subtype not in _REPLY_SUBTYPES or not event.user or event.user == bot_user_id:
        return False
    if not event.channel or not event.ts or not event.thread_ts or event.thread_ts == event.ts:
        return False
    return not mentions(event.text, bot_user_id)


def said_name(channel: str, ts: str) -> str:
    """What names a message by where it was said (its channel and ts, which Slack gives every event
    about it), not by the event's id: ``msg-`` and a digest. Its run, record and answer take it."""
    return "msg-" + hashlib.sha256(f"{channel}:{ts}".encode()).hexdigest()[:24]


def leaves(event: SlackEvent, bot_user_id: str) -> bool:
    """Whether ``event`` says the app left the team: ``app_uninstalled``, or ``tokens_revoked`` naming
    the app's bot user among the revoked bot tokens."""
    if event.type == "app_uninstalled":
        return True
    return event.type == "tokens_revoked" and bot_user_id in (event.tokens or {}).get("bot", [])


def request_text(text: str) -> str:
    """The request's words: mentions taken out, spaces folded, at most ``MAX_TEXT`` characters."""
    return " ".join(_MENTION.sub(" ", text).split())[:MAX_TEXT]


_ASK = re.compile(r"^ask\b[:,]?\s*", re.IGNORECASE)


def question_of(words: str) -> str | None:
    """The question when the request's ``words`` (:func:`request_text`) ask one rather than ask for
    work: they begin with the word "ask" (``@Notion Agent ask what did we decide on pricing?``). So a
    console session's message is sent as an Ask by choice, never guessed from its phrasing. None
    otherwise (a run), and for "ask" alone (then the request is empty)."""
    found = _ASK.match(words)
    return (words[found.end() :].strip() or None) if found else None


def thread_of(event: SlackEvent) -> str:
    """The thread the answer goes to: the event's thread, or the thread its message starts."""
    return event.thread_ts or event.ts or ""


STRANGER = (
    "I act only for members of the Notion workspace this Slack is connected to, matched by the email "
    "of their Slack account, and yours is not among them. Ask the workspace's owner to invite you."
)
EMPTY = "Tell me what to do after the mention, for example: “@Notion Agent summarise this week's Tasks”."


ASKED = "Looking it up in the workspace, within what you may read: the answer comes in this thread."


def answered(answer: str) -> str:
    """An Ask's answer as the thread shows it (its sources are listed after it, as Ask gives them)."""
    return f"{answer.strip()}\n\n_Asked of the workspace within your reach; nothing was changed._"


def started(run_url: str) -> str:
    """The thread's first answer to a request that started a run."""
    return f"On it. Follow the run and answer its approvals here: {run_url}"


def started_own(run_url: str) -> str:
    """The thread's answer to a person's first words in a thread they did not begin with the app: a
    run of their own, since a thread's run takes only the words of the person it runs for."""
    return (
        "On it, as a run of your own: a run in this thread takes only the words of the person who "
        f"asked for it. Follow yours and answer its approvals here: {run_url}"
    )


def steered(did: str, run_url: str) -> str:
    """The thread's answer to a later message given to the run the thread started (decision 0195)."""
    return f"Taken by the run this thread started: {did}. Follow it here: {run_url}"


def question_answered(who: str, run_url: str) -> str:
    """The thread's answer to a reply taken as the answer to the question its run asked."""
    return f"Taken as the answer to the run's question, from {who}: it goes on. Follow it here: {run_url}"


NOT_YOURS_TO_ANSWER = (
    "This reply answered nothing: only the person who started the run, or a member whose role may "
    "answer its question, answers it here. Ask one of them, or answer it in the console."
)


def not_taken(reason: str) -> str:
    """The thread's answer to a later message the thread's run could not take: nothing was done."""
    return f"Nothing was done with this message: {reason}"


class SlashCommand(Schema):
    """A slash command as Slack posts it (a form): who typed what, where; only what the product reads."""

    model_config = ConfigDict(extra="ignore")
    team_id: Annotated[str, Field(pattern=_ID)]
    channel_id: Annotated[str, Field(pattern=_ID)]
    user_id: Annotated[str, Field(pattern=_ID)]
    command: Annotated[str, Field(pattern=r"^/[a-z0-9_-]{1,31}$")]
    text: Annotated[str, Field(max_length=40_000)] = ""
    trigger_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9.]{5,200}$")]

    @property
    def name(self) -> str:
        """What names the work it starts (its run, its Ask, its record): the invocation's trigger id."""
        return "cmd-" + hashlib.sha256(self.trigger_id.encode()).hexdigest()[:24]


def parse_command(body: bytes) -> SlashCommand:
    """The slash command in a signed request's form ``body``; InvalidInput naming what is wrong."""
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        fields = {k: v[0] for k, v in form.items() if len(v) == 1}
        return SlashCommand.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidInput(f"not a slash command this app takes: {where}: {first['msg']}") from None
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("not a slash command this app takes: the body must be a form") from None


def echoed(user_id: str, command: str, words: str) -> str:
    """The channel's message a command starts its thread with: who asked what. The words are
    escaped (``&``, ``<``, ``>``) so that nothing typed links or pings anyone (``<!channel>``)."""
    escape = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
    return f"<@{user_id}> asked with {command}: {words.translate(escape)}"


NOT_IN_CHANNEL = (
    "I cannot post in this conversation: invite me to the channel (/invite @Notion Agent), or use the "
    "command in a direct message to me. Nothing was started."
)
EMPTY_COMMAND = "Tell me what to do after the command, for example: “/agent summarise this week's Tasks”."
