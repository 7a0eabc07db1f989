"""The functions-framework targets, one per Cloud Function (``--target <name>``).

Each target's module is imported only when functions-framework asks for that target, so a deployed
function imports its own code and client libraries and nobody else's.
"""

import importlib
from typing import Any

TARGETS = ("oauth_callback", "notion_webhook", "plan", "execute_step", "deploy", "notify", "api")


def __getattr__(name: str) -> Any:
    if name not in TARGETS:
        raise AttributeError(f"module 'main' has no target {name!r}; targets: {', '.join(TARGETS)}")
    return getattr(importlib.import_module(f"functions.{name}"), name)


def __dir__() -> list[str]:
    return list(TARGETS)
