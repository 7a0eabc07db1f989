"""What an embedding call (and a reranking) returns through the Embedder (Reranker) port, and the vectors' shared arithmetic. Pure.

Production's model (Vertex AI ``gemini-embedding-001``) is asked for ``DIMENSION`` values, within
Firestore's vector limit of 2,048; the local model has its own width, recorded with each passage.
"""

import math
from typing import Literal, NamedTuple

DIMENSION = 768  # Vertex AI's output_dimensionality; Firestore vector fields take at most 2,048
Task = Literal["document", "query"]  # RETRIEVAL_DOCUMENT / RETRIEVAL_QUERY on Vertex AI


class Embedded(NamedTuple):
    """Vectors in the order of the texts given (unit length), and what the call cost."""

    model: str
    vectors: list[list[float]]
    tokens: int
    cost_usd: float


class Reranked(NamedTuple):
    """A reranker's answer (the Reranker port, shared/memory): a score for each candidate it was
    given (in their order), and its cost. Here beside ``Embedded`` for the same reason: the spend
    service pays for both without depending on memory."""

    scores: list[float]
    cost_usd: float


def unit(vector: list[float]) -> list[float]:
    """``vector`` scaled to length 1 (a zero vector stays zero): cosine is then a dot product."""
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else list(vector)


def cosine(a: list[float], b: list[float]) -> float:
    """The cosine of two unit vectors (their dot product)."""
    return sum(x * y for x, y in zip(a, b, strict=True))
