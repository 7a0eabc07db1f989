"""What the offline model understands, as data. One row per request it acts on:
what it does in plain words, requests a person writes, the paraphrases read as the plain form, and
where it applies. The planners (``offline_model`` and the ``offline_*`` modules) read a request's
parameters from its plain form; this table says which requests there are. A goal matching no row is
not understood: the run ends saying so and listing the rows (:func:`not_understood`). Deterministic,
no model weights; ``docs/local-stack.md`` holds the same table (:func:`docs_table`)."""

import re
from dataclasses import dataclass
from typing import Literal

Where = Literal["page", "no page", "routine"]


@dataclass(frozen=True)
class Intent:
    """One request the offline model understands. ``cue`` recognises it in a goal once
    ``paraphrases`` (pattern, plain form) have been read as their plain form. ``where`` is the run it
    applies to: one on a page, one on no page, or a routine (scheduled) on a data source."""

    name: str
    does: str
    examples: tuple[str, ...]
    cue: str
    where: Where
    paraphrases: tuple[tuple[str, str], ...] = ()


_QUOTE = r'(?=\s*")'  # the words to write come next, in double quotes

INTENTS: tuple[Intent, ...] = (
    Intent(
        "debate",
        "holds a debate between two agents (or Gemini and Claude), has it judged and writes the verdict "
        "on the page",
        (
            "hold a debate",
            "have the agents debate this",
            "hold a debate between agents a and b over 3 rounds",
        ),
        r"\bhold a debate\b",
        "page",
        (
            (r"\b(?:have|let|get) (?:the )?(?:two )?(?:agents|models) (?:debate|argue)\b", "hold a debate"),
            (r"\b(?:run|start|organi[sz]e|set up) a debate\b", "hold a debate"),
            (r"\bdebate (?:it|this|this page|the page)\b", "hold a debate"),
        ),
    ),
    Intent(
        "panel",
        "holds a panel: one specialist writes a section on each quoted topic, a lead merges them on the page",
        ('hold a panel on "security" and "cost"', 'ask an expert panel on "pricing"'),
        r"\bhold (?:a |an )?(?:expert )?panel\b[^\n]*\bon \"",
        "page",
        ((r"\b(?:run|start|convene|organi[sz]e|ask|set up) (a|an) (expert )?panel\b", r"hold \1 \2panel"),),
    ),
    Intent(
        "requirements",
        "turns the idea on the page into requirements you approve, then a pull request in the repository "
        "named (and, told to, ships it to production)",
        (
            "turn a ready idea into requirements for a pull request in acme/site",
            "write requirements, then a PR in acme/site, and ship it to production on the Vercel project site",
        ),
        r"\brequirements\b[\s\S]*\bpull request in [\w.-]+/[\w.-]+|\bpull request in [\w.-]+/[\w.-]+[\s\S]*\brequirements\b",
        "page",
        (
            (r"\b(?:a )?(?:PR|merge request)\b(?= in )", "a pull request"),
            (
                r"\b(?:release|deploy|put) it (?:live |in )?(?:to |in )?production on (?:the )?vercel project\b",
                "ship it to production on the vercel project",
            ),
        ),
    ),
    Intent(
        "pull request",
        "drafts a change, opens a pull request in the repository named (and deploys a preview of the "
        "project named), then tells you",
        (
            "open a pull request in acme/site: add a changelog line",
            "make a PR in acme/site and deploy a preview of site",
        ),
        r"\bpull request in [\w.-]+/[\w.-]+",
        "no page",
        ((r"\b(?:a )?(?:PR|merge request)\b(?= in )", "a pull request"),),
    ),
    Intent(
        "each row",
        "starts one run per row of the page's database with the work named, then reports on the page",
        ('for each row, comment "Reviewed"', 'on every row, add the line "Checked"'),
        r"\bfor each (?:row|page|idea|task)\b",
        "page",
        ((r"\b(?:on|for|to|in) (?:every|all(?: the)?) (row|page|idea|task)s?\b", r"for each \1"),),
    ),
    Intent(
        "each of",
        "starts one run per item listed, side by side, and gathers what they did",
        ("write a haiku for each of: spring, summer, autumn",),
        r"\bfor each of:",
        "no page",
    ),
    Intent(
        "hand off",
        "hands the page to another agent, named by its id",
        ("hand it off to writer", "pass this to the agent writer"),
        r"\bhand (?:it |this |the page )?(?:off |over )?to\b",
        "page",
        (
            (
                r"\b(?:pass|give|delegate|forward)(?: it| this| the page)?(?: on| over)? to (?:the agent )?",
                "hand it off to ",
            ),
        ),
    ),
    Intent(
        "comment",
        "comments on the page with the words in quotes",
        ('comment "Looks good"', 'leave a comment saying "On it"', 'reply "Thanks"'),
        r"\bcomment(?:ing)?\s+(?:with\s+|saying\s+)?\"",
        "page",
        (
            (r"\b(?:leave|post|write|add) a comment(?: saying| that says|:)?" + _QUOTE, "comment"),
            (r"\b(?:reply|answer|respond)(?: with| saying)?" + _QUOTE, "comment"),
        ),
    ),
    Intent(
        "add a line",
        "adds the words in quotes to the page, as a paragraph",
        ('add the line "Seen by intake"', 'write "Done for now" on the page', 'put "Checked" on the page'),
        r"\b(?:append|add|write)\s+(?:the line\s+|a line\s+|the words\s+)?\"",
        "page",
        ((r"\b(?:put|insert|note)" + _QUOTE, "add"),),
    ),
    Intent(
        "set a property",
        "sets a status or select property of the page's row to the option in quotes",
        ('set the Status to "Done"', 'move the status to "In progress"', 'mark the Status as "Done"'),
        r"\bset (?:its |the (?:row's |page's )?)?[A-Za-z][\w ]{0,40}? to \"",
        "page",
        (
            (
                r"\b(?:change|move|switch|update)\b(?= (?:its |the (?:row's |page's )?)?[A-Za-z][\w ]{0,40}? to \")",
                "set",
            ),
            (r"\bmark (its |the (?:row's |page's )?)?([A-Za-z][\w ]{0,40}?) as \"", r'set \1\2 to "'),
        ),
    ),
    Intent(
        "read first",
        "reads the page as it is now, then decides what to write on it from what it read",
        ("read the page first, then decide", "look at the page first"),
        r"\bread (it )?first\b|\bthen decide\b",
        "page",
        ((r"\b(?:read|look at|check|go through) (?:the page|this page|it) first\b", "read it first"),),
    ),
    Intent(
        "summarise",
        "reads the page and writes a short summary of it on the page",
        ("summarise this page", "sum up the page", "make a summary", "give me the gist", "tl;dr"),
        r"\b(?:summari[sz]e|summary|sum (?:it |this |this page |the page )?up|recap (?:it|this|the page)|tl;?dr|gist|key points"
        r"|in a nutshell|boil (?:it|this) down)\b",
        "page",
    ),
    Intent(
        "plan the day",
        "a routine on a database: reads its open tasks and sends you a plan for the day",
        ("plan my day", "what should I do today"),
        r"",
        "routine",
    ),
    Intent(
        "plan the page",
        "drafts a plan for the idea on the page as a sub-page, asks you to approve it, then moves its status "
        "on (also what a run on a page does when its rule starts it with no words of its own)",
        ("plan this idea", "help with this page", "what are the next steps", "list what it still needs"),
        r"^\s*$|\b(?:plan|planning|idea|help|draft|next steps?|think (?:it|this) through|work (?:it|this) out"
        r"|figure (?:it|this) out|road ?map|to-?dos?|break (?:it|this) down|still needs?|what'?s (?:left|missing))\b",
        "page",
    ),
    Intent(
        "note",
        "anything asked with no page: writes a short note about it (or about one item of an each-of) and "
        "sends it to you",
        ("write a note about the launch", "tell me about the launch", "summarise the week"),
        r"\w",
        "no page",
    ),
)

# The goal the engine gives a run started by a comment: the request is the comment's own words.
_ANSWER = re.compile(r"Answer the comment(?: on the page '[^'\n]*')?: ")


def plain(goal: str) -> str:
    """``goal`` with every row's paraphrases read as their plain form (what the planners read)."""
    for intent in INTENTS:
        for pattern, form in intent.paraphrases:
            goal = re.sub(pattern, form, goal, flags=re.IGNORECASE)
    return goal


def intent_of(goal: str, where: Where) -> Intent | None:
    """The first row, for a run ``where``, whose cue the goal's plain form holds; None: not understood.
    A comment's run is read from the comment's own words, not the page's title around them."""
    said = plain(_ANSWER.sub("", goal))
    for intent in INTENTS:
        if intent.where == where and re.search(intent.cue, said, re.IGNORECASE):
            return intent
    return None


def understands() -> list[dict[str, object]]:
    """The rows as the console and the api show them: name, what it does, where, examples."""
    return [{"name": i.name, "does": i.does, "where": i.where, "examples": list(i.examples)} for i in INTENTS]


NOT_UNDERSTOOD = "The local model did not understand"


def not_understood(goal: str, where: Where, read_as: Intent | None = None) -> str:
    """What a run says when the offline model understood nothing it can do in ``goal``, or read it as
    ``read_as`` but found nothing to do it with (no quoted words, no such property). That, then what
    it understands for a run ``where``, a line each with an example, so a person can ask again in its
    words; the console shows the lines as a list."""
    asked = " ".join(goal.split())[:200] or "(no words)"
    rows = [i for i in INTENTS if i.where == where]
    lines = [f'- {i.name}: "{i.examples[0]}" ({i.does})' for i in rows]
    on = "a page" if where == "page" else "a run on no page"
    why = f' (it read it as "{read_as.name}" but found nothing here to do it with)' if read_as else ""
    head = f'{NOT_UNDERSTOOD} "{asked}"{why}. What it understands on {on}:'
    return "\n".join([head, *lines])[:2000]


def docs_table() -> str:
    """The rows as the Markdown table ``docs/local-stack.md`` holds (a test keeps the two the same)."""
    head = ["| request | on | what the local model does | you may write, for example |", "|---|---|---|---|"]
    rows = [
        f"| {i.name} | {i.where} | {i.does} | {'; '.join(f'`{e}`' for e in i.examples)} |" for i in INTENTS
    ]
    return "\n".join([*head, *rows])
