"""Fixtures of the in-process Notion stack (tests/integration/notion_stack.py) for the tests here."""

from tests.integration.notion_stack import running_sandbox, running_tasks, stack

__all__ = ["running_sandbox", "running_tasks", "stack"]
