"""``make bench-rag``'s second collection, prose rather than code documentation: the free-software and
free-culture licences Debian ships in every system (``/usr/share/common-licenses``, package
``base-files``; each text permits verbatim copies), one page per numbered section (and one for the
text before the first), and ``rag_prose_questions.json``: plain-language questions with their judged
sections, written before anything ran on this collection and never tuned on (all held out).
"""

import re
from pathlib import Path

from tests.perf.rag.rag_collection import Doc

ROOT = Path("/usr/share/common-licenses")
LICENCES = {
    "Apache-2.0": "Apache License 2.0",
    "GPL-3": "GNU General Public License v3",
    "LGPL-3": "GNU Lesser General Public License v3",
    "MPL-2.0": "Mozilla Public License 2.0",
    "CC0-1.0": "Creative Commons CC0 1.0",
    "GFDL-1.3": "GNU Free Documentation License 1.3",
    "Artistic": "The Artistic License (Perl)",
}
QUESTIONS = Path(__file__).with_name("rag_prose_questions.json")
_SECTION = re.compile(r"^[\s*]*(\d+)\.\s+(\S.*)$")


def sections(text: str) -> list[tuple[str, str, str]]:
    """(number or "preamble", heading line, text) of each top-level section: a line that starts with
    the next number in sequence ("4. ...", not "4.1." nor an indented list restarting at 1)."""
    out: list[tuple[str, str, str]] = []
    current, heading, lines = "preamble", "", list[str]()
    expected: set[int] = {0, 1}
    for line in text.splitlines():
        m = _SECTION.match(line)
        if m and int(m.group(1)) in expected:
            out.append((current, heading, "\n".join(lines).strip()))
            current, heading, lines = m.group(1), m.group(2).strip(), [line]
            expected = {int(m.group(1)) + 1}
            continue
        lines.append(line)
    out.append((current, heading, "\n".join(lines).strip()))
    return [s for s in out if len(s[2].split()) >= 5]


def documents() -> list[Doc]:
    """Every section of ``LICENCES`` as a document ``<licence>.s<n>`` (``.preamble``); none when the
    system has no ``/usr/share/common-licenses`` (every Debian system has it)."""
    docs = []
    for key, name in LICENCES.items():
        text = (ROOT / key).read_text(encoding="utf-8")
        for number, heading, body in sections(text):
            doc_id = f"{key}.{'preamble' if number == 'preamble' else 's' + number}"
            title = f"{name}, {'preamble' if number == 'preamble' else 'section ' + number}"
            docs.append(Doc(doc_id, f"{title}: {heading[:60]}".rstrip(": "), f"{title}\n\n{body}"))
    return docs
