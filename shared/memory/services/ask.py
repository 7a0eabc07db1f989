"""Ask: a person's question answered from the workspace index, with the pages it used, and nothing
else done. A follow-up is first rewritten as the standalone question it stands for, then searched.
The answer is one model call (text and passage numbers) over the best passages of several pages
within ``NA_ASK_CONTEXT_TOKENS``; its text may be given as it is written (:class:`LiveAnswer`). No
tool runs: a passage that says "delete the page" can only be quoted. A citation stands only for a
passage given whose words the answer shares, and the only links an answer carries are its cited
pages' own (``shared.memory.domain.answer_links``): the model is untrusted."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple
from uuid import uuid4

import pydantic_core
from pydantic import Field

from shared.memory.domain.answer_links import only_source_links, settled_prefix
from shared.platform.domain.schema import Schema
from shared.platform.errors import BudgetSpent, InvalidInput, NotFound, UnusableReply
from shared.platform.prompts import render

if TYPE_CHECKING:
    from shared.runs.services.deps import Deps
    from shared.workspace.domain.members import Member
    from shared.workspace.domain.tenants import Tenant

QUESTION_CHARS = 2_000
ANSWER_CHARS = 1_200
# Said after an answer searched only part of the index (a scoped answer said nothing of it).
LIMITED = (
    "Limited to what you may read: only the pages and data sources a run of yours reads without an "
    "approval were searched; the rest of the workspace may say more (an approver can ask it)."
)
TURNS = 4  # earlier turns a follow-up carries, the latest ones
TURN_CHARS = 600  # of each earlier question and answer
PASSAGES = 12  # most passages one answer is given (the token budget usually stops sooner)
PASSAGE_CHARS = 800
CANDIDATES = 30  # passages searched for, then spread over pages and fitted to the budget
PER_PAGE = 3  # most passages of one page: the context spans several pages
QUOTE_CHARS = 300  # of a cited passage's words, shown with its link (the console's hover or tap)


class AskOut(Schema):
    """The model's reply: the answer's text and the numbers of the passages it used."""

    answer: Annotated[str, Field(max_length=4 * ANSWER_CHARS)]
    cited: Annotated[list[int], Field(default_factory=list, max_length=4 * PASSAGES)]


class Standalone(Schema):
    """A follow-up rewritten as the question it stands for, with no earlier turn needed to read it."""

    question: Annotated[str, Field(min_length=1, max_length=QUESTION_CHARS)]


class Turn(NamedTuple):
    question: str
    answer: str


class Answer(NamedTuple):
    """The answer's text (its sources listed after it), the pages cited (id, title, url and the cited
    passage's words), what it cost, and the question as searched (a follow-up's standalone form)."""

    text: str
    cited: list[dict[str, str]]
    cost_usd: float
    searched: str = ""


class LiveAnswer:
    """The reply's JSON as the model writes it (``StreamingModel.stream``'s pieces), read as it grows.
    Each new part of its ``answer`` that the whole answer will begin with, whatever comes after, is
    given once to ``on_text`` (:func:`settled_prefix`: each link checked against ``sources``, the
    given pages' addresses, once whole). Joined, what was given begins :class:`Answer`'s text."""

    def __init__(self, on_text: Callable[[str], None], sources: list[str]) -> None:
        self._json, self.given, self._on_text, self._sources = "", "", on_text, sources

    def __call__(self, piece: str) -> None:
        self._json += piece
        try:
            partial = pydantic_core.from_json(self._json, allow_partial="trailing-strings")
        except ValueError:
            return  # not JSON (the schema refuses it once whole)
        answer = partial.get("answer") if isinstance(partial, dict) else None
        if not isinstance(answer, str):
            return
        settled = settled_prefix(answer, ANSWER_CHARS, self._sources)
        if len(settled) > len(self.given) and settled.startswith(self.given):
            self._on_text(settled[len(self.given) :])
            self.given = settled


def bounded(turns: list[Turn]) -> list[Turn]:
    """The earlier turns a follow-up carries: the latest ``TURNS``, each clipped to ``TURN_CHARS``."""
    return [Turn(t.question[:TURN_CHARS], t.answer[:TURN_CHARS]) for t in turns[-TURNS:]]


def fitted(found: list[dict[str, Any]], budget_tokens: int) -> list[dict[str, Any]]:
    """The passages an answer is given, from ``found`` (best first), returned best first. Each
    page's best passage comes before any page's second (at most ``PER_PAGE`` of a page), each clipped
    to ``PASSAGE_CHARS``. As many as ``budget_tokens`` holds (about 4 characters a token, title and
    heading counted; one that does not fit is passed over for a shorter one), at most ``PASSAGES``."""
    ranked: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for rank, passage in enumerate(found):
        ranked.setdefault(str(passage["page_id"]), []).append((rank, passage))
    spread = [items[depth] for depth in range(PER_PAGE) for items in ranked.values() if depth < len(items)]
    chosen: list[tuple[int, dict[str, Any]]] = []
    left = budget_tokens * 4
    for rank, passage in spread:
        clipped = passage | {"text": str(passage["text"])[:PASSAGE_CHARS]}
        size = (
            len(clipped["text"]) + len(str(passage.get("title", ""))) + len(str(passage.get("heading", "")))
        )
        if size <= left and len(chosen) < PASSAGES:
            chosen.append((rank, clipped))
            left -= size
    return [passage for _, passage in sorted(chosen, key=lambda item: item[0])]


def _quote(text: str) -> str:
    return " ".join(str(text).split())[:QUOTE_CHARS]


def rewrite_prompt(question: str, earlier: list[Turn]) -> str:
    context = {"question": question, "earlier_turns": [t._asdict() for t in bounded(earlier)]}
    return render("ask_rewrite", context=json.dumps(context, ensure_ascii=False))


def cited_numbers(numbers: list[int], passages: list[dict[str, Any]], answer: str) -> list[int]:
    """The model's citations that stand: each a passage it was given (1 to ``len(passages)``), once,
    whose words (title, heading, text) the answer shares at least one of."""
    from shared.memory.domain.passages import words

    said = set(words(answer))
    return [
        n
        for n in dict.fromkeys(numbers)
        if 1 <= n <= len(passages)
        and said & set(words(" ".join(str(passages[n - 1].get(k, "")) for k in ("title", "heading", "text"))))
    ]


def ask_prompt(question: str, earlier: list[Turn], passages: list[dict[str, Any]]) -> str:
    context = {
        "question": question,
        "earlier_turns": [t._asdict() for t in bounded(earlier)],
        "passages": [
            {"n": n, "title": p["title"], "heading": p["heading"], "text": p["text"][:PASSAGE_CHARS]}
            for n, p in enumerate(passages, start=1)
        ],
    }
    return render("ask", context=json.dumps(context, ensure_ascii=False))


def answer_question(
    deps: Deps,
    tenant_id: str,
    question: str,
    earlier: list[Turn],
    scopes: list[str] | None = None,
    *,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """``question`` (with the ``earlier`` turns of its thread or conversation) answered from the
    tenant's index within ``scopes`` (None: all of it; else the answer ends saying it was limited,
    :data:`LIMITED`). A follow-up is rewritten as a standalone question first (a model call); then
    one search and one answering call, each paid as model calls are. Each cited page comes with
    its passage's words (``quote``). BudgetSpent when a budget stops them; InvalidInput for an empty
    or too long question. ``on_text``: given the answer's text as it is written (:class:`LiveAnswer`).
    """
    from shared.memory.services.workspace_search import searcher

    question = question.strip()
    if not question or len(question) > QUESTION_CHARS:
        raise InvalidInput(f"a question has 1 to {QUESTION_CHARS:,} characters", ["question"])
    searched, cost = question, 0.0
    if earlier:
        standalone, cost = _paid(deps, tenant_id, rewrite_prompt(question, earlier), Standalone)
        searched = standalone.question.strip() or question
    found = searcher(deps, tenant_id, scopes)(searched, CANDIDATES)
    passages = fitted(found, deps.settings.ask_context_tokens)
    sources = list(dict.fromkeys(str(p["url"]) for p in passages if p.get("url")))
    live = LiveAnswer(on_text, sources) if on_text is not None else None
    reply, answering = _paid(deps, tenant_id, ask_prompt(question, earlier, passages), AskOut, live)
    text = reply.answer.strip()[:ANSWER_CHARS]
    pages: dict[str, dict[str, Any]] = {}
    for n in cited_numbers(reply.cited, passages, text):
        pages.setdefault(passages[n - 1]["page_id"], passages[n - 1])  # each page once, its first cited
    cited = [
        {
            "page_id": pid,
            "title": p["title"],
            "url": p["url"],
            "quote": only_source_links(_quote(p["text"]), sources),
        }
        for pid, p in pages.items()
    ]
    text = only_source_links(text, sources)  # a link the pages' text put in the model's words: taken out
    if scopes is not None:  # None: the whole index. Before the sources: the console shows it, not them
        text += "\n\n" + LIMITED
    if cited:
        text += "\n\nSources: " + "; ".join(f"{c['title']} ({c['url']})" for c in cited)
    return Answer(text, cited, cost + answering, searched)


def _paid[T: Schema](
    deps: Deps, tenant_id: str, prompt: str, schema: type[T], on_json: Callable[[str], None] | None = None
) -> tuple[T, float]:
    """One model call of Ask (its thinking budget: ``NA_MODEL_THINKING_ANSWER``), checked against the
    budgets and paid as model calls are, its usage recorded: the reply and what it cost. With
    ``on_json``, the reply is streamed to it as it is written."""
    from shared.platform.domain.model_calls import calls_of
    from shared.platform.services.model_routing import call_bound, streamed
    from shared.runs.services.spend import model_call

    bound = call_bound(deps.settings, "answer", "fast", prompt, schema)
    with model_call(deps, tenant_id, 0.0, 0, bound=bound) as call:
        if call.problem:
            raise BudgetSpent(call.problem)
        try:
            with calls_of("answer"):
                model = deps.need_model()
                reply = (
                    model.generate("fast", prompt, schema)
                    if on_json is None
                    else streamed(model, "fast", prompt, schema, on_json)
                )
        except UnusableReply as exc:  # off the schema, or cut at its cap: paid all the same
            call.paid(exc.usage.cost_usd)
            deps.store.record_usage(tenant_id, f"ask-{uuid4().hex}", deps.clock(), "ask", exc.usage)
            raise
        call.paid(reply.usage.cost_usd)
    deps.store.record_usage(tenant_id, f"ask-{uuid4().hex}", deps.clock(), "ask", reply.usage)
    return reply.value, reply.usage.cost_usd


def thread_turns(comments: list[dict[str, Any]], comment_id: str, bot_id: str) -> list[Turn]:
    """The earlier turns of a comment thread (its comments before ``comment_id``, oldest first): a
    person's comment then the bot's reply; the latest ``TURNS`` (:func:`bounded`)."""
    from shared.agents.domain.agents import comment_words
    from shared.notify.domain.provenance import unsigned

    turns: list[Turn] = []
    for c in comments:
        if c.get("id") == comment_id:
            break
        words = " ".join(comment_words(c).split())
        if str((c.get("created_by") or {}).get("id", "")) == bot_id:
            words = unsigned(words)  # the answer, never the signature's key
            if turns and not turns[-1].answer:
                turns[-1] = turns[-1]._replace(answer=words)
        elif words:
            turns.append(Turn(words, ""))
    return bounded(turns)


def answer_comment(
    deps: Deps,
    tenant_id: str,
    comment: dict[str, Any],
    question: str,
    *,
    page_id: str,
    scopes: list[str] | None,
) -> bool:
    """An Ask by comment: the answer queued as a reply in the comment's thread, named by the comment
    (a repeat posts nothing new). Nothing else is done. False when the index is off or a budget stops
    it (the comment then starts nothing)."""
    from shared.notify.domain.notify_task import NotifyTask
    from shared.platform.topology import Queue

    notion = deps.need_notion(tenant_id)
    thread = str(comment.get("discussion_id") or "")
    bot_id = str(notion.me().get("id", ""))
    earlier = [c for c in notion.list_comments(page_id) if c.get("discussion_id") == thread] if thread else []
    try:
        got = answer_question(
            deps, tenant_id, question, thread_turns(earlier, str(comment["id"]), bot_id), scopes
        )
    except BudgetSpent:
        return False
    name = f"ask-{comment['id']}"
    task = NotifyTask(notification_id=name, tenant_id=tenant_id, channel="notion_comment", subject="Answer",
                      text=got.text, data={"page_id": page_id, "discussion_id": thread})  # fmt: skip
    deps.queue.enqueue(Queue.NOTIFY, task, f"notify:{tenant_id}:{name}")
    return True


def ask_in_conversation(
    deps: Deps,
    tenant: Tenant,
    member: Member,
    question: str,
    conversation_id: str | None,
    *,
    on_text: Callable[[str], None] | None = None,
) -> tuple[Answer, str]:
    """The console's Ask: ``member``'s ``question`` answered within what a run of theirs reads
    without an approval (``Tenant.ask_scopes``). Owners and approvers read the whole index; others,
    the data sources a member's run reads unasked. The earlier turns of ``conversation_id`` are used
    and the new turn kept (the latest ``TURNS``). None starts a new conversation, its id made here.
    ``on_text``: the answer's text as it is written (:func:`answer_question`).
    Returns the answer and the conversation's id. NotFound for an id that names no conversation of
    this person's, another person's included (the answer does not say whether it exists)."""
    if deps.memory is None:
        raise InvalidInput("this deployment has no workspace index", ["question"])
    _, store = deps.memory()
    if conversation_id is None:
        conversation_id, turns = uuid4().hex, []
    else:
        found = store.conversation(tenant.tenant_id, member.member_id, conversation_id)
        if found is None:
            raise NotFound(
                "no conversation of yours has this conversation_id: leave it out to start one (the api "
                "names each new conversation)"
            )
        turns = found
    earlier = [Turn(q, a) for q, a in turns]
    got = answer_question(
        deps, tenant.tenant_id, question, earlier, tenant.ask_scopes(member), on_text=on_text
    )
    store.add_turn(tenant.tenant_id, member.member_id, conversation_id, (question.strip(), got.text), TURNS)
    return got, conversation_id
