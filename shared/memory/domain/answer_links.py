"""The links an Ask answer may carry: only its cited pages' own. The answer's words come from
a model that read untrusted page text; a page may hold "sign in again at https://evil.example", and
the model may repeat it. Every other link is taken out of the answer, and out of a cited passage's
words (shown beside its link), whatever the model did. A link here is anything a reader or a
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


def only_cited_links(text: str, cited_urls: list[str]) -> str:
    """``text`` with every link taken out (:data:`REMOVED` in its place) but those equal to one of
    ``cited_urls``; a Markdown link keeps its text, and its target only when it is one of them."""
    allowed = {_bare(u) for u in cited_urls if u}

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
