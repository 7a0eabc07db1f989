"""``make bench-rag``'s embeddings kept across runs (``--embedding-cache DIR``), for the bench only:
re-indexing 516 pages took minutes on a loaded CPU, and one text's vector never changes for one model.
One JSON-lines file per model in ``DIR``; the product never reads it.
"""

import hashlib
import json
from pathlib import Path


class VectorCache:
    """Vectors by (model, text), loaded from and appended to ``folder/<model>.jsonl``."""

    def __init__(self, folder: Path, model: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{model}.jsonl"
        self.vectors: dict[str, list[float]] = {}
        if self.path.exists():
            for row in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    got = json.loads(row)
                except ValueError:  # a line two runs appended at once: embedded again
                    continue
                self.vectors[got["key"]] = got["vector"]

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, text: str) -> list[float] | None:
        return self.vectors.get(self.key(text))

    def put(self, pairs: dict[str, list[float]]) -> None:
        """Keep and append ``pairs`` (text → vector)."""
        rows = []
        for text, vector in pairs.items():
            self.vectors[self.key(text)] = vector
            rows.append(json.dumps({"key": self.key(text), "vector": vector}))
        with self.path.open("a", encoding="utf-8") as out:
            out.write("".join(r + "\n" for r in rows))
