"""A logger whose records are written as Cloud Logging's JSON lines (shared.platform.logs), for tests that read
what a function's lines carry (trace, span, labels)."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shared.platform import logs


@contextmanager
def cloud_log_lines(name: str, project: str) -> Iterator[tuple[logging.Logger, list[dict[str, Any]]]]:
    """The logger ``name`` at INFO and the list its lines are parsed into when the block ends."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.CloudLoggingFormatter(project))
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    lines: list[dict[str, Any]] = []
    try:
        yield logger, lines
    finally:
        logger.removeHandler(handler)
        lines.extend(json.loads(text) for text in stream.getvalue().splitlines())
