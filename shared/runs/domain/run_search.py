"""Finding runs by words: the normalised words a run document carries, and the words a search asks.

Firestore has no full-text search, so each run document holds ``search_terms`` (the words of its goal,
agent, trigger page's title and starter) and ``GET /runs?q=`` asks ``array_contains`` for the first
word; further words filter that page. Only whole words match; runs stored before the field match none.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from shared.runs.domain.state import Run, RunState

MAX_TERMS = 64  # words kept per run: a run document stays small and its index entries few
MAX_QUERY_WORDS = 5
MAX_STARTER_TERMS = 24  # of the page title's and the people's words: kept even after a long goal
_WORD = re.compile(r"\w{2,40}")
# A Notion id written with hyphens is one word (its plain form), so a user id finds a run either way.
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def words(text: str) -> list[str]:
    """The text's words of two to forty letters or digits, lowercased and accent-folded, first use first
    (a hyphenated Notion id counts as one word, without its hyphens)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = _UUID.sub(lambda m: m.group().replace("-", ""), plain)
    return list(dict.fromkeys(_WORD.findall(plain)))


def search_terms(state: RunState) -> list[str]:
    """What ``GET /runs?q=`` finds a run by: the words of its goal and its agent's name, then its
    trigger page's plain id and title, and the people who started it (name, email, Notion user id).
    The planner finds a page's earlier runs by that id."""
    people = " ".join(f"{p.name} {p.email} {p.notion_user_id}" for p in state.people)
    starter = words(f"{state.page_id or ''} {state.page_title} {people}")[:MAX_STARTER_TERMS]
    own = words(f"{state.goal} {state.agent_name}")[: MAX_TERMS - len(starter)]
    return list(dict.fromkeys([*own, *starter]))


@dataclass(frozen=True)
class RunFilter:
    """Which of a tenant's runs ``RunStore.list_runs`` returns; a field left None (or empty) does not filter.

    ``since``/``until`` bound created_at (from, before); ``term`` is one of the run's ``search_terms``;
    ``after`` (a run's (created_at, run_id)) starts the page just after that run."""

    status: str | None = None
    trigger: str | None = None
    agent: str | None = None
    term: str = ""  # no run has an empty word, so "" is no filter
    since: datetime | None = None
    until: datetime | None = None
    after: tuple[datetime, str] | None = None

    def matches(self, run: Run) -> bool:
        """Whether ``run`` passes every filter set (what a store's query returns, before order and limit)."""
        state = run.state
        return (
            (self.status is None or state.status.value == self.status)
            and (self.trigger is None or state.trigger == self.trigger)
            and (self.agent is None or state.agent_id == self.agent)
            and (not self.term or self.term in search_terms(state))
            and (self.since is None or run.created_at >= self.since)
            and (self.until is None or run.created_at < self.until)
            and (self.after is None or (run.created_at, run.run_id) < self.after)
        )
