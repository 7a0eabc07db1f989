"""Finding runs by words: the normalised words a run document carries, and the words a search asks.

Firestore has no full-text search, so each run document holds ``search_terms`` (its goal's and agent's
words, lowercased) and ``GET /runs?q=`` asks ``array_contains`` for the first word; further words filter
that page. Only whole words match, and runs stored before the field match none.
"""

import re
import unicodedata

from shared.domain.runs import RunState

MAX_TERMS = 64  # words kept per run: a run document stays small and its index entries few
MAX_QUERY_WORDS = 5
_WORD = re.compile(r"\w{2,40}")


def words(text: str) -> list[str]:
    """The text's words of two to forty letters or digits, lowercased and accent-folded, first use first."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return list(dict.fromkeys(_WORD.findall(plain)))


def search_terms(state: RunState) -> list[str]:
    """What ``GET /runs?q=`` finds a run by: the words of its goal, then of its agent's name."""
    return words(f"{state.goal} {state.agent_name}")[:MAX_TERMS]
