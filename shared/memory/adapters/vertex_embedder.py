"""The Embedder port on Vertex AI through google-genai (decision 0065): ``gemini-embedding-001`` asked
for 768 values, task type RETRIEVAL_DOCUMENT or RETRIEVAL_QUERY, priced per input token from the
settings' table. Failures map as the model's do (shared.platform.adapters.vertex_model).
"""

from google.genai import errors, types

from shared.platform.adapters.vertex_model import _TRANSPORT_ERRORS, OnVertex, classify
from shared.platform.domain.embeddings import DIMENSION, Embedded, Task, unit
from shared.platform.errors import TransientError

TIMEOUT_S = 60.0  # a request of one batch
BATCH = 100  # texts per request (Vertex AI takes up to 250 inputs, 20,000 tokens)
_TASKS = {"document": "RETRIEVAL_DOCUMENT", "query": "RETRIEVAL_QUERY"}


class VertexEmbedder:
    def __init__(self, vertex: OnVertex, model: str, price_per_million: float) -> None:
        """Embeddings with ``model`` through ``vertex`` (its timeout: :data:`TIMEOUT_S` is the usual)."""
        self._client = vertex.genai_client()
        self.model, self._price = model, price_per_million

    def embed(self, texts: list[str], task: Task) -> Embedded:
        vectors: list[list[float]] = []
        tokens = 0
        config = types.EmbedContentConfig(task_type=_TASKS[task], output_dimensionality=DIMENSION)
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            try:
                answer = self._client.models.embed_content(model=self.model, contents=batch, config=config)
            except errors.APIError as exc:
                raise classify(exc) from exc
            except _TRANSPORT_ERRORS as exc:
                raise TransientError(f"embeddings: {exc.__class__.__name__}") from exc
            got = answer.embeddings or []
            if len(got) != len(batch):
                raise TransientError(f"embeddings: {len(got)} vectors for {len(batch)} texts")
            vectors += [unit([float(v) for v in item.values or []]) for item in got]
            each = sum(int(getattr(item.statistics, "token_count", 0) or 0) for item in got)
            tokens += int(getattr(answer.usage_metadata, "prompt_token_count", 0) or 0) or each
        return Embedded(self.model, vectors, tokens, tokens * self._price / 1e6)
