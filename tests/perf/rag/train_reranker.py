"""Trains the learned reranker (decision 0153): a logistic regression over search's signals of each
candidate passage (``shared.memory.domain.retrieval.Signals``), labelled by whether the passage's page
is judged relevant to the question. Data: the tuning collections alone, each in its own in-memory
index built by the product's indexer and the local model (the bench's): the stdlib's tuning questions
(``rag_questions.json``) and the Debian FAQ's (``rag_faq_questions.json``); never the held-out ones
(``rag_questions_heldout.json``, ``rag_prose_questions.json``). Each question's first 30 fused
candidates are its rows. Prints each collection's MRR when the model is trained on the other one (a
check that it carries across kinds of text), then writes the model trained on both.

    python -m tests.perf.rag.train_reranker --embedding-cache /tmp/emb [--out PATH]
"""

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from shared.memory.adapters.learned_reranker import WEIGHTS, combined
from shared.memory.domain.retrieval import MaybeSignals, RerankPassages, Signals
from shared.memory.services.workspace_search import RERANK_CANDIDATES, search
from shared.platform.domain.embeddings import Reranked
from tests.perf.rag import bench_rag, rag_faq
from tests.perf.rag.rag_collection import QUESTIONS, documents, questions
from tests.support.memory.memory import FakePassages

NAME = "ltr-logistic-1"
L2 = 1.0  # ridge penalty on the standardised coefficients
STEPS = 3000
RATE = 0.1


class Candidates(NamedTuple):
    """One question's fused candidates: their signals, and whether each one's page is relevant."""

    signals: list[Signals]
    relevant: list[bool]
    pages: list[str]


class Recorder:
    """A reranker that keeps what search gives it and answers None (the fused order stands)."""

    model = "recorder"

    def __init__(self) -> None:
        self.last: tuple[list[tuple[str, str]], list[Signals]] = ([], [])

    def rerank(
        self, query: str, passages: RerankPassages, budget_s: float, *, signals: MaybeSignals = None
    ) -> Reranked | None:
        self.last = (passages, list(signals or []))
        return None


def collect(name: str, docs: Sequence[Any], judged: list[tuple[str, frozenset[str]]]) -> list[Candidates]:
    """Each question's first ``RERANK_CANDIDATES`` fused candidates in ``docs``' index."""
    store, model = FakePassages(), bench_rag.Counting()
    ws = bench_rag.workspace(docs, name)
    bench_rag.index_all(store, model, {name: ws})
    doc_by_title = {d.title: d.doc_id for d in docs}
    assert len(doc_by_title) == len(docs), "titles name the pages"
    recorder, out = Recorder(), []
    for question, relevant in judged:
        search(name, question, model, store, limit=RERANK_CANDIDATES, reranker=recorder, rerank_budget_s=60.0)
        passages, signals = recorder.last
        pages = [doc_by_title[title] for title, _ in passages]
        out.append(Candidates(signals, [p in relevant for p in pages], pages))
    return out


def matrix(rows: Sequence[Candidates]) -> tuple[Any, Any]:
    x = np.array([list(s) for c in rows for s in c.signals], dtype=np.float64)
    y = np.array([r for c in rows for r in c.relevant], dtype=np.float64)
    return x, y


def train(rows: Sequence[Candidates]) -> dict[str, Any]:
    """A logistic regression (ridge ``L2``, gradient descent) over standardised signals."""
    x, y = matrix(rows)
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    coef, intercept = np.zeros(z.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-(z @ coef + intercept)))
        coef -= RATE * (z.T @ (p - y) / len(y) + L2 * coef / len(y))
        intercept -= RATE * float((p - y).mean())
    return {
        "name": NAME,
        "features": list(Signals._fields),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": coef.tolist(),
        "intercept": intercept,
    }


def mrr(rows: Sequence[Candidates], model: dict[str, Any] | None) -> float:
    """Mean reciprocal rank of the first relevant page among the candidates, in the fused order
    (``model`` None) or the model's."""
    total = 0.0
    for c in rows:
        order: Sequence[int] = range(len(c.signals))
        if model is not None:
            order = sorted(order, key=lambda i: (-combined(model, c.signals[i]), i))
        pages = list(dict.fromkeys(c.pages[i] for i in order))
        total += next((1 / (n + 1) for n, p in enumerate(pages) if any(
            c.relevant[i] for i in range(len(c.pages)) if c.pages[i] == p)), 0.0)  # fmt: skip
    return total / len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--embedding-cache", type=Path, help="the bench's vector cache folder")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    bench_rag.CACHE[:] = [args.embedding_cache] if args.embedding_cache else []
    sets = {
        "stdlib": collect("stdlib", documents(), questions(QUESTIONS)),
        "faq": collect("faq", rag_faq.documents(), questions(rag_faq.QUESTIONS)),
    }
    for name, rows in sets.items():
        other = [c for n, r in sets.items() if n != name for c in r]
        print(
            f"{name}: fused MRR {mrr(rows, None):.3f}, reranked by a model of the other set {mrr(rows, train(other)):.3f}"
        )
    model = train([c for rows in sets.values() for c in rows])
    model["trained_on"] = {
        "questions": {n: len(r) for n, r in sets.items()},
        "rows": sum(len(c.signals) for r in sets.values() for c in r),
        "script": "tests/perf/rag/train_reranker.py",
    }
    for name, rows in sets.items():
        print(f"{name}: reranked by the model of both (in-sample) {mrr(rows, model):.3f}")
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: "
        + ", ".join(f"{f} {c:+.3f}" for f, c in zip(model["features"], model["coef"], strict=True))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
