"""The links an Ask answer may carry: only its sources' own (the pages it was given, within the
asker's reach). The answer's words come from a model that read untrusted page text; a page may hold
"sign in again at https://evil.example", and the model may repeat it. Every other link is taken out
of the answer, and out of a cited passage's words (shown beside its link), whatever the model did. A link here is anything a reader or a
renderer takes for one: an address with a scheme (``https://``, ``javascript:``, ``mailto:``,
``data:``), one starting ``www.``, a host with a path, and a Markdown link's target (its text kept).
"""

import re

REMOVED = "[link removed]"
# A Markdown link or image: its text, then its target in parentheses.
_MARKDOWN = re.compile(r"!?\[([^\]\n]{0,500})\]\(\s*<?([^)\s>]{1,2000})>?(?:\s+\"[^\"\n]*\")?\s*\)")
_SCHEMES = r"(?:[a-z][a-z0-9+.-]{1,30}://|(?:mailto|javascript|data|vbscript|file|tel|sms):)"
_HOST = r"(?:[a-z0-9](?:[a-z0-9-]{0,62})\.)+"
# A host alone is a link when its top-level domain is one links are made of (a file's name such as
# notes.md or plan.py is not taken out); a host followed by a path is one whatever its ending.
_TLDS = (
    "com|net|org|io|co|app|dev|info|biz|xyz|me|ai|ly|gg|site|online|top|link|click|live|store|shop|"
    "page|website|tk|ml|ga|cf|gq|ru|cn|us|uk|de|fr|eu|ca|au|in|jp|br|nl|example|test|zip|mov"
)
_LINK = re.compile(
    rf"(?i)(?<![\w@.-])(?:{_SCHEMES}|www\.|{_HOST}[a-z]{{2,63}}(?::\d{{1,5}})?/|{_HOST}(?:{_TLDS})\b)"
    r"[^\s<>\"'`]*"
)
_TRAILING = ".,;:!?)]}'\""  # sentence punctuation after a link is not part of it


def _bare(link: str) -> str:
    return link.rstrip(_TRAILING)


def only_source_links(text: str, sources: list[str]) -> str:
    """``text`` with every link taken out (:data:`REMOVED` in its place) but those equal to one of
    ``sources``; a Markdown link keeps its text, and its target only when it is one of them."""
    allowed = {_bare(u) for u in sources if u}

    def plain(m: re.Match[str]) -> str:
        link = _bare(m.group(0))
        return m.group(0) if link in allowed else REMOVED + m.group(0)[len(link) :]

    def scrub(part: str) -> str:
        return _LINK.sub(plain, part)

    kept: list[str] = []
    last = 0
    for m in _MARKDOWN.finditer(text):  # a kept Markdown link's target is not scanned again
        kept.append(scrub(text[last : m.start()]))
        words, target = scrub(m.group(1)), _bare(m.group(2))
        kept.append(f"[{words}]({target})" if target in allowed else f"{words} {REMOVED}".lstrip())
        last = m.end()
    kept.append(scrub(text[last:]))
    return "".join(kept)


def settled_prefix(partial: str, limit: int, sources: list[str]) -> str:
    """The part of an answer still being written that the whole answer will begin with, its links
    checked (:func:`only_source_links` with ``sources``), whatever the rest is. It is ``partial``
    without its leading blanks, cut at ``limit`` and at its last blank (the last word may still
    grow into a link), and before a ``[`` that may still open a Markdown link. A link is whole
    there, so it is kept or taken out at once, and the words after it follow (decision 0227)."""
    text = partial.lstrip()
    end = min(limit, max(text.rfind(" "), text.rfind("\n"), text.rfind("\t"), 0))
    opening = _opening_bracket(text, end)
    return only_source_links(text[: min(end, opening)], sources).rstrip()


def _opening_bracket(text: str, end: int) -> int:
    """Where the first ``[`` before ``end`` that may still open a Markdown link starts (an image's
    ``!`` with it); ``end`` when none may."""
    for at in (i for i, c in enumerate(text[:end]) if c == "["):
        rest = text[at + 1 : at + 502]
        close, line = rest.find("]"), rest.find("\n")
        if line != -1 and (close == -1 or line < close):
            continue  # a Markdown link's text is on one line
        if close == -1 and len(rest) > 500:
            continue  # longer than a Markdown link's text
        after = at + 1 + close + 1
        if close != -1 and after < len(text) and text[after] != "(":
            continue  # closed, and not followed by its target
        start = at - 1 if at > 0 and text[at - 1] == "!" else at
        whole = _MARKDOWN.match(text, start)
        if whole is not None and whole.end() <= end:
            continue  # a whole Markdown link (checked with the rest), not one still being written
        return start
    return end
