"""The Reranker port on CPU with no network (decision 0098): all-MiniLM-L6-v2 (the local embedder's
model, shared.memory.adapters.minilm) reads each candidate again in windows of a few sentences. It
scores a candidate by its best window's cosine with the query, so a passage whose answer is one
sentence among others is not averaged away. No registry package ships a cross-encoder's weights (decision 0097 lists
what was tried), so this is the honest local stand-in for Vertex AI's ranking model, not a
cross-encoder. Window vectors depend on the passage alone and are kept (bounded) across queries; a
query whose uncached windows cannot be encoded within its budget is not reranked.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from shared.platform.domain.embeddings import Reranked

if TYPE_CHECKING:
    from shared.memory.domain.retrieval import MaybeSignals, RerankPassages

MODEL = "all-minilm-l6-v2-windows"
WINDOW_WORDS = 60  # a window: whole sentences up to about this many words
CACHE_WINDOWS = 50_000  # window vectors kept (384 floats each: about 77 MB at most)
BATCH = 4  # windows encoded between two looks at the deadline
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|\n+")


def windows(title: str, text: str) -> list[str]:
    """The passage read in windows: the whole (title and text) first, then runs of its sentences of
    at most about ``WINDOW_WORDS`` words each (a passage that fits one window is that window alone)."""
    whole = f"{title}\n{text}".strip()
    parts = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    out: list[str] = []
    current: list[str] = []
    for part in parts:
        if current and sum(len(s.split()) for s in current) + len(part.split()) > WINDOW_WORDS:
            out.append(" ".join(current))
            current = []
        current.append(part)
    if current:
        out.append(" ".join(current))
    return [whole] + (out if len(out) > 1 else [])


class LocalReranker:
    """Best-window cosine of all-MiniLM-L6-v2, with a bounded cache of window vectors."""

    model = MODEL

    def __init__(self) -> None:
        self._cache: OrderedDict[str, Any] = OrderedDict()

    def _vectors(self, texts: list[str], deadline: float) -> dict[str, Any] | None:
        """Each text's vector (cached, else encoded in batches), or None once past ``deadline``."""
        from shared.memory.adapters.minilm import encode

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        for start in range(0, len(missing), BATCH):
            if time.monotonic() > deadline:
                return None
            batch = missing[start : start + BATCH]
            for text, vector in zip(batch, encode(batch), strict=True):
                self._cache[text] = vector
        got = {}
        for text in texts:
            self._cache.move_to_end(text)
            got[text] = self._cache[text]
        while len(self._cache) > CACHE_WINDOWS:
            self._cache.popitem(last=False)
        return got

    def rerank(
        self, query: str, passages: RerankPassages, budget_s: float, *, signals: MaybeSignals = None
    ) -> Reranked | None:
        """See the Reranker port; reads the text alone (``signals`` unused)."""
        from shared.memory.adapters.minilm import encode

        deadline = time.monotonic() + budget_s
        each = [windows(title, text) for title, text in passages]
        vectors = self._vectors([w for ws in each for w in ws], deadline)
        if vectors is None or time.monotonic() > deadline:
            return None
        [q] = encode([query])
        scores = [max(float(vectors[w] @ q) for w in ws) for ws in each]
        return Reranked(scores, 0.0)
