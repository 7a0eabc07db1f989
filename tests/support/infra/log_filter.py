"""The part of Cloud Logging's query language that terraform/monitoring.tf's log metrics use, to hold a
metric's filter against log entries shaped as Cloud Run writes them (tests/infra).

Supported, as the Logging query language documents them: terms joined by ``AND`` (top level);
``NOT term``; ``(a OR b)``; ``field=value``, ``field=("a" OR "b")``, ``field>=n``, ``field<n``,
``field:"substring"`` (has: a case-insensitive substring for a string field); ``log_id("name")``
(the entry's logName ends with ``/logs/`` and the URL-encoded name). Anything else raises, so a
filter the tests cannot read fails loudly instead of matching nothing.
"""

import re
from typing import Any
from urllib.parse import quote

_COMPARISON = re.compile(r"^([\w.]+)\s*(>=|<=|!=|=|<|>|:)\s*(.+)$")


def _split(text: str, word: str) -> list[str]:
    """``text`` split on `` word `` outside parentheses and quotes."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    token = f" {word} "
    while i < len(text):
        char = text[i]
        if char == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(token, i):
            parts.append(text[start:i])
            i += len(token)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


def _field(entry: dict[str, Any], path: str) -> Any:
    node: Any = entry
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('\\"', '"')
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _wrapped(text: str) -> bool:
    """Whether the parentheses at both ends of ``text`` belong together."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def matches(log_filter: str, entry: dict[str, Any]) -> bool:
    """Whether ``entry`` (a LogEntry as JSON: resource, logName, httpRequest, jsonPayload) matches."""
    text = log_filter.strip()
    if len(terms := _split(text, "AND")) > 1:
        return all(matches(term, entry) for term in terms)
    if len(alternatives := _split(text, "OR")) > 1:
        return any(matches(term, entry) for term in alternatives)
    if _wrapped(text):
        return matches(text[1:-1], entry)
    if text.startswith("NOT "):
        return not matches(text[4:], entry)
    if found := re.fullmatch(r'log_id\("([^"]+)"\)', text):
        return str(entry.get("logName", "")).endswith("/logs/" + quote(found.group(1), safe=""))
    comparison = _COMPARISON.match(text)
    if comparison is None:
        raise ValueError(f"a filter term this reader does not know: {text!r}")
    path, operator, raw = comparison.groups()
    value = _field(entry, path)
    if raw.startswith("(") and operator == "=":
        return any(value == _literal(choice) for choice in _split(raw.strip()[1:-1], "OR"))
    wanted = _literal(raw)
    if value is None:
        return False
    if operator == ":":
        return str(wanted).lower() in str(value).lower()
    if operator == "=":
        return bool(value == wanted)
    if operator == "!=":
        return bool(value != wanted)
    ordered = {">=": value >= wanted, "<=": value <= wanted, "<": value < wanted, ">": value > wanted}
    return bool(ordered[operator])
