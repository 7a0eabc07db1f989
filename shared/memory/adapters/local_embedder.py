"""The Embedder port on CPU with no network: WordLlama's static token embeddings (decision 0065), whose
weights and tokenizer ship inside the ``wordllama`` package. Loaded from the package's own files,
never from a hub; the local stack, tests and ``make bench-rag`` use it.
"""

from functools import cache
from pathlib import Path
from typing import Any

from shared.platform.domain.embeddings import Embedded, Task, unit

MODEL = "wordllama-l2-supercat-256"


@cache
def _model() -> Any:
    """The model, loaded once per process from the files the package ships (about 0.5 s)."""
    import wordllama
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root = Path(wordllama.__file__).parent
    tokenizer = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    with safe_open(str(root / "weights" / "l2_supercat_256.safetensors"), framework="np", device="cpu") as f:
        weights = f.get_tensor("embedding.weight")
    return WordLlamaInference(weights, tokenizer, binary=False)


class LocalEmbedder:
    """WordLlama on CPU: the same vector for a passage and a query (a static model has no task)."""

    model = MODEL

    def embed(self, texts: list[str], task: Task) -> Embedded:
        if not texts:
            return Embedded(MODEL, [], 0, 0.0)
        vectors = _model().embed(texts, norm=True)
        rows = [unit([float(v) for v in row]) for row in vectors]
        return Embedded(MODEL, rows, sum(len(t.split()) for t in texts), 0.0)
