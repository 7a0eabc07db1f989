"""``make bench-rag``'s collection: the docstrings of a fixed list of Python 3.13 standard library
modules (pydoc's text, shipped with the interpreter), one document per public function or class, and
questions with their relevant documents: ``rag_questions.json`` (the fusion was tuned on it) and
``rag_questions_heldout.json`` (committed before anything ran on it). Nothing is downloaded.
"""

import importlib
import inspect
import json
from pathlib import Path
from typing import Any, NamedTuple

MODULES = (
    "os.path", "shutil", "json", "re", "math", "statistics", "random", "itertools", "functools",
    "collections", "string", "textwrap", "heapq", "bisect", "time", "base64", "zlib", "gzip",
    "tempfile", "glob", "fnmatch", "urllib.parse", "html", "difflib", "csv", "calendar", "copy",
    "operator", "pprint", "secrets", "uuid", "zipfile", "tarfile", "filecmp", "locale", "getpass",
    "platform", "keyword", "unicodedata", "colorsys",
)  # fmt: skip
QUESTIONS = Path(__file__).with_name("rag_questions.json")
HELD_OUT = Path(__file__).with_name("rag_questions_heldout.json")
MIN_DOC_CHARS = 20


class Doc(NamedTuple):
    doc_id: str  # "module.name"
    title: str
    text: str


def _own(module: Any, obj: Any) -> bool:
    """Defined by ``module`` (or the C module it wraps: ``_heapq`` for ``heapq``), not imported."""
    home = str(getattr(obj, "__module__", "") or "")
    return bool(home.lstrip("_") == str(module.__name__).lstrip("_"))


def documents() -> list[Doc]:
    """Every public function and class of ``MODULES`` with a docstring, by ``module.name``."""
    docs: dict[str, Doc] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, obj in sorted(vars(module).items()):
            if attr.startswith("_") or not (inspect.isroutine(obj) or inspect.isclass(obj)):
                continue
            if not _own(module, obj):
                continue
            text = inspect.getdoc(obj) or ""
            if len(text) < MIN_DOC_CHARS:
                continue
            try:
                signature = f"{attr}{inspect.signature(obj)}"
            except (TypeError, ValueError):
                signature = attr
            doc_id = f"{name}.{attr}"
            docs[doc_id] = Doc(doc_id, doc_id, f"{name}.{signature}\n\n{text}")
    return list(docs.values())


def questions(path: Path = QUESTIONS) -> list[tuple[str, frozenset[str]]]:
    """The questions of ``path`` (the tuning set unless told) and each one's relevant documents."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [(row["question"], frozenset(row["relevant"])) for row in rows]
