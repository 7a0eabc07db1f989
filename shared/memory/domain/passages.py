"""A page's Markdown split into passages along its headings, each content-hashed, and the words a
keyword search matches. Pure.

Sizes: a passage is one heading's section, at most ``MAX_CHARS`` (about 350 tokens), long ones
split at paragraphs; sections under ``MIN_CHARS`` join the next. Why: docs/memory.md, "Passages".
"""

import hashlib
import re
from typing import NamedTuple

MAX_CHARS = 1500  # one topic, a precise citation, well inside the embedding model's 2,048 tokens
MIN_CHARS = 200  # a heading with a line under it says too little on its own to be found
MAX_WORD = 100  # longer is a blob (a hash, base64), not a word; Firestore refuses a term over 1500 bytes
MAX_TERMS = 300  # distinct words kept for the keyword match (Firestore indexes each array value)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation (CommonMark)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


class Passage(NamedTuple):
    """One passage of a page: its heading path, its text, and the hash that finds it again."""

    position: int
    heading: str  # "Title > Section > Subsection"
    text: str
    digest: str  # sha256 of model, heading and text: unchanged text is never embedded again

    @property
    def embedded_text(self) -> str:
        """What the model embeds: the heading path (it gives a short section its topic) and the text,
        Markdown's backslash escapes taken out (``lru\\_cache`` is ``lru_cache`` to a reader)."""
        return " ".join(_ESCAPE.sub(r"\1", f"{self.heading}\n\n{self.text}").split())


def stem(word: str) -> str:
    """A light English stem: plural, verb endings and a final e off, so "decided" meets "decide"."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"),
                         ("ing", ""), ("ed", ""), ("s", "")):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + keep
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def words(text: str) -> list[str]:
    """The keyword search's words of ``text``: lower case, stemmed, stopwords and blobs left out, in
    order."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and 1 < len(w) <= MAX_WORD]


def terms(text: str) -> list[str]:
    """The distinct words of ``text`` (at most ``MAX_TERMS``, first seen first): a passage's index."""
    return list(dict.fromkeys(words(text)))[:MAX_TERMS]


def passage_words(heading: str, text: str) -> list[str]:
    """The words a passage is matched and measured by (BM25's document length): heading and text."""
    return words(f"{heading}\n{text}")


def digest(model: str, heading: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{heading}\n{text}".encode()).hexdigest()


def _sections(title: str, markdown: str) -> list[tuple[str, str]]:
    """(heading path, body) per heading's section, in order; a page's own title heads the first."""
    path: list[tuple[int, str]] = []
    out: list[tuple[str, list[str]]] = [(title, [])]
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match is None:
            out[-1][1].append(line)
            continue
        level, name = len(match[1]), match[2].strip()
        if level == 1 and name == title and not path and not any(t.strip() for t in out[-1][1]):
            continue  # the page's own title, written as its first heading
        path = [(lv, n) for lv, n in path if lv < level] + [(level, name)]
        out.append((" > ".join([title, *(n for _, n in path)]), []))
    return [(heading, "\n".join(lines).strip()) for heading, lines in out]


def _pieces(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at blank lines, then lines, then words."""
    if len(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        parts = text.split(separator)
        if len(parts) > 1:
            out: list[str] = []
            for part in parts:
                if out and len(out[-1]) + len(separator) + len(part) <= limit:
                    out[-1] += separator + part
                else:
                    out.extend(_pieces(part, limit))
            return [p for p in out if p.strip()]
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def split(model: str, title: str, markdown: str) -> list[Passage]:
    """``markdown`` (a page read whole) as passages along its headings, sized as the module says."""
    merged: list[tuple[str, str]] = []
    for heading, body in _sections(title or "Untitled", markdown):
        if not body:
            continue
        if merged and len(merged[-1][1]) < MIN_CHARS and len(merged[-1][1]) + len(body) <= MAX_CHARS:
            head, text = merged[-1]
            merged[-1] = (head, f"{text}\n\n{heading.rsplit(' > ', 1)[-1]}\n\n{body}")
        else:
            merged.append((heading, body))
    passages: list[Passage] = []
    for heading, body in merged:
        for piece in _pieces(body, MAX_CHARS):
            text = piece.strip()
            passages.append(Passage(len(passages), heading, text, digest(model, heading, text)))
    return passages


class IndexedPage(NamedTuple):
    """What the index keeps of a page: where it is, when Notion last edited it, its passages' hashes."""

    page_id: str  # plain: no hyphens, lower case
    scope: str  # its data source (plain), or "page:<id>" for a page outside any
    title: str
    url: str
    last_edited_time: str
    digests: list[str]
    model: str = ""
    cut_short: str = ""


class StoredPassage(NamedTuple):
    """A passage as stored: its page, where it sits there, its text and its unit vector."""

    passage_id: str
    page_id: str
    scope: str
    title: str
    url: str
    heading: str
    text: str
    digest: str
    model: str
    position: int
    vector: list[float]


def passage_id(page_id: str, digest_: str) -> str:
    """The document id of a page's passage: the same text on the same page is the same document."""
    return f"{page_id}-{digest_[:32]}"
