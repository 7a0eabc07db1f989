"""Shared by several test modules: helpers first written for ``tests/unit/tools/test_code_tool_args.py``."""

from typing import Any

GOOD_PULL: dict[str, Any] = {
    "repository": "acme/site",
    "title": "Add the launch note",
    "files": [{"path": "notes/launch.md", "content": "Launch\n"}, {"path": "README.md", "content": "Hi\n"}],
}


GOOD_DEPLOY: dict[str, Any] = {"project": "site", "repository": "acme/site", "ref": "main"}


def pull(**changes: Any) -> dict[str, Any]:
    return GOOD_PULL | changes


def deploy(**changes: Any) -> dict[str, Any]:
    return GOOD_DEPLOY | changes


def files(*paths: str) -> list[dict[str, Any]]:
    return [{"path": p, "content": "x\n"} for p in paths]
