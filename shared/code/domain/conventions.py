"""A repository's test command, as its conventions files (``AGENTS.md``, ``CONTRIBUTING.md``) state it.

Pure: no I/O. The command is found, never obeyed: it names what the repository's own checks run, for
the model's fix and the pull request's description; nothing here widens what a run may do.
"""

import re

CONVENTIONS = ("AGENTS.md", "CONTRIBUTING.md", ".github/CONTRIBUTING.md", "CLAUDE.md")
COMMAND_CHARS = 200

_SPAN = re.compile(r"`([^`\n]{2,200})`")
_TEST = re.compile(r"\btests?\b|\btesting\b|\bcheck(s)?\b", re.IGNORECASE)
_COMMAND = re.compile(r"^[A-Za-z0-9_./][^\x00-\x1f]*$")


def _commands(lines: list[str]) -> list[str]:
    """The commands a text shows for its tests, in order: inline code spans on a line that speaks of
    tests or checks, and the first line of a fenced block whose preceding line does."""
    found: list[str] = []
    fenced, wanted, before = False, False, ""
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced, wanted = not fenced, not fenced and bool(_TEST.search(before))
            continue
        if fenced:
            if wanted and stripped:
                found.append(stripped.removeprefix("$ ").strip())
                wanted = False
            continue
        if _TEST.search(line):
            found.extend(span.strip() for span in _SPAN.findall(line))
        before = stripped or before
    return [c for c in found if _COMMAND.match(c) and not c.endswith((":", "/"))]


def find_test_command(texts: dict[str, str]) -> tuple[str, str]:
    """The test command the first conventions file stating one gives (in ``CONVENTIONS`` order), and
    that file's path; ``("", "")`` when none does."""
    for path in CONVENTIONS:
        text = texts.get(path)
        commands = _commands(text.splitlines()) if text else []
        if commands:
            return commands[0][:COMMAND_CHARS], path
    return "", ""
