"""``make bench-rag``'s prose TUNING collection (decision 0135): the Debian FAQ (package ``debian-faq``
11.1, its text copied verbatim with its permission notice, ``debian-faq.copyright``), one page per
numbered section (its subsections folded in), and ``rag_faq_questions.json``: plain-language questions
with judged sections, committed before anything ran on it. The fusion is tuned on it with the stdlib's.
"""

import re
from pathlib import Path

from tests.perf.rag.rag_collection import Doc

TEXT = Path(__file__).with_name("debian-faq.en.txt")
QUESTIONS = Path(__file__).with_name("rag_faq_questions.json")
_CHAPTER = re.compile(r"^Chapter\s+\d+\.\s")
_SECTION = re.compile(r"^(\d+\.\d+)\.\s+(\S.*)$")


def sections(text: str) -> list[tuple[str, str, str]]:
    """(number "N.M", heading, text) of each second-level section of the FAQ's body (after its table
    of contents), deeper subsections kept in their section; a heading wrapped over lines is joined."""
    lines = text.replace("\xa0", " ").splitlines()
    start = next(i for i, line in enumerate(lines) if _CHAPTER.match(line))
    out: list[tuple[str, str, list[str]]] = []
    for line in lines[start:]:
        m = _SECTION.match(line)
        if m:
            out.append((m.group(1), m.group(2).strip(), [line]))
        elif out and not _CHAPTER.match(line):
            out[-1][2].append(line)
    result = []
    for number, heading, body in out:
        head = [heading] + [b.strip() for b in body[1 : body.index("") if "" in body else 1]]
        result.append((number, " ".join(head), "\n".join(body).strip()))
    return result


def documents() -> list[Doc]:
    """Every section as a document ``faq.<N.M>`` (a chapter per data source, as the workspace groups)."""
    docs = []
    for number, heading, body in sections(TEXT.read_text(encoding="utf-8")):
        title = f"Debian FAQ {number}: {heading}"
        docs.append(Doc(f"faq.{number}", title[:100], f"Debian FAQ, section {number}\n\n{body}"))
    return docs
