"""The Reranker port on CPU with no network and no model download (decision 0153). It is a logistic
regression over the signals search has of each candidate (cosine, keyword strength, exact match,
query share of it and its heading, fused score and place, length). Its weights ship in
``learned_reranker.json``, written by ``tests/perf/rag/train_reranker.py`` from the tuning collections
alone. It reads no text: without signals it answers None and search keeps its fused order. Its score
is the fused score plus ``PROBABILITY_WEIGHT`` x the model's probability (decision 0211). Production
keeps Vertex AI's ranking API behind the same port.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.platform.domain.embeddings import Reranked

if TYPE_CHECKING:
    from shared.memory.domain.retrieval import MaybeSignals, RerankPassages, Signals

WEIGHTS = Path(__file__).with_name("learned_reranker.json")
# The model's probability's weight beside the fused score (in [0, 1]); the middle of the range
# (0.2-1.0) where the reranked order held at or above the vector leg on both tuning sets (0211).
PROBABILITY_WEIGHT = 0.5


@cache
def _weights(path: Path = WEIGHTS) -> dict[str, Any]:
    """The trained model: the signals' names, their means and scales, coefficients and intercept."""
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def score(model: dict[str, Any], signals: Signals) -> float:
    """The model's log-odds that ``signals``' passage belongs to a page that answers the query."""
    values = signals._asdict()
    total = float(model["intercept"])
    for name, mean, scale, coef in zip(
        model["features"], model["mean"], model["scale"], model["coef"], strict=True
    ):
        total += coef * (float(values[name]) - mean) / scale
    return total if math.isfinite(total) else 0.0


class LearnedReranker:
    """Scores each candidate by the shipped logistic regression over its search signals."""

    def __init__(self, path: Path = WEIGHTS) -> None:
        self._model = _weights(path)

    @property
    def model(self) -> str:
        return str(self._model["name"])

    def rerank(
        self, query: str, passages: RerankPassages, budget_s: float, *, signals: MaybeSignals = None
    ) -> Reranked | None:
        """See the Reranker port: None without one ``signals`` per passage (nothing to read)."""
        if signals is None or len(signals) != len(passages):
            return None
        return Reranked([combined(self._model, s) for s in signals], 0.0)


def combined(model: dict[str, Any], signals: Signals) -> float:
    """The reranked score of ``signals``' passage: its fused score plus ``PROBABILITY_WEIGHT`` x the
    model's probability that its page answers the query."""
    return signals.fused + PROBABILITY_WEIGHT / (1 + math.exp(-score(model, signals)))
