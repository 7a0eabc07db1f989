"""The functions-framework targets, one per Cloud Function (``--target <name>``).

Each target's module is imported only when functions-framework asks for that target, so a deployed
function imports its own code and client libraries and nobody else's.
"""

import gc
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TARGETS = ("oauth_callback", "notion_webhook", "plan", "execute_step", "deploy", "notify", "api")


def __getattr__(name: str) -> Any:
    if name not in TARGETS:
        raise AttributeError(f"module 'main' has no target {name!r}; targets: {', '.join(TARGETS)}")
    with paused_collector():
        target = getattr(importlib.import_module(f"functions.{name}"), name)
    importlib.import_module("functions._http").unrouted_as_json()  # every target's app answers JSON
    globals()[name] = target  # functions-framework looks the target up twice
    return target


@contextmanager
def paused_collector() -> Iterator[None]:
    """Load a cold start's modules without the cyclic garbage collector, then freeze what loaded.

    Paused, the collector does not walk the import's objects (some 100,000 that live as long as the
    instance) while they pile up; frozen (``gc.freeze``), no later collection walks them either. The
    cost: the few hundred cyclic leftovers of the imports are never collected. Why:
    docs/decisions/0017-cold-start-budget.md.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def __dir__() -> list[str]:
    return list(TARGETS)
