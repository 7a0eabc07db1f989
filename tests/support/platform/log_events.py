"""The events the code logs: ``extra={"fields": {"event": ..., ...}}`` of the logging calls in shared/
and functions/, read with ``ast`` (shared/platform/logs.py writes them as jsonPayload.fields). The log-based
metrics of terraform/monitoring.tf are held against them (tests/infra). :func:`fields_logged` reads
them back from the records a test captured."""

import ast
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [*sorted((ROOT / "shared").rglob("*.py")), *sorted((ROOT / "functions").rglob("*.py"))]


def logged_fields(paths: list[Path] = SOURCES) -> dict[str, set[str]]:
    """event -> the keys of ``extra={"fields": {...}}`` of every logging call in shared/ and functions/
    that writes that constant ``event``."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg != "extra" or not isinstance(keyword.value, ast.Dict):
                    continue
                for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "fields"
                        and isinstance(value, ast.Dict)
                    ):
                        fields = {
                            str(k.value): v
                            for k, v in zip(value.keys, value.values, strict=True)
                            if isinstance(k, ast.Constant)
                        }
                        event = fields.get("event")
                        if isinstance(event, ast.Constant):
                            found.setdefault(str(event.value), set()).update(fields)
    return found


def logged_events(paths: list[Path] = SOURCES) -> set[str]:
    """Every constant ``event`` in ``extra={"fields": {...}}`` of a logging call in shared/ and functions/."""
    return set(logged_fields(paths))


def fields_logged(records: Iterable[logging.LogRecord], event: str) -> list[dict[str, Any]]:
    """The ``fields`` of each captured record that logs ``event``, in order."""
    found: list[dict[str, Any]] = []
    for record in records:
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict) and fields.get("event") == event:
            found.append(fields)
    return found
