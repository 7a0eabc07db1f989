"""Shared by several test modules: helpers first written for ``tests/unit/engine/steps/test_notion_validation_errors.py``."""

import json

import httpx
from notion_client.errors import APIResponseError

from shared.notion.adapters.notion import convert
from shared.platform.errors import AgentError


def refused(status: int, code: str, message: str) -> AgentError:
    """What the adapter makes of Notion's answer ``status`` ``code``."""
    body = json.dumps({"object": "error", "status": status, "code": code, "message": message})
    return convert(APIResponseError(code, status, message, httpx.Headers(), body))


SELECT = (400, "validation_error", "Status is expected to be status.")
