"""The path of a plan task from ``start_run``, as a newcomer reading the code would follow it.

It plans one run the way a page's change starts it (the unit tests' fakes: a Notion page with a
comment, a model that answers a plan), under :func:`sys.settrace`, and records each call into the
product's code (``shared/``) made inside ``start_run``. It prints

``RESULT plan_path_stops=<n> plan_path_modules=<n> plan_path_returns=<n> plan_path_calls=<n>``

- stops: the product's functions the path enters (each counted once), leaving out code that runs
  because a module is imported for the first time (class bodies, registrations): not the path;
- modules: the modules those functions are in;
- returns: how often the path comes back into a module it had left (a reader's jump back to a file
  already open); calls: every call, repeats included.

``--list`` prints the path too: each stop, in the order first entered, with its module.
Run: ``.venv/bin/python -m tools.plan_path`` (or ``make plan-path``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = str(ROOT / "shared") + "/"
# The modules before the move to one package per capability (decision 0080), spelt so that tools/relayout.py does not rewrite them.
BEFORE_TASKS = ".".join(("shared", "domain", "tasks", "plan"))
BEFORE_PLANNING = ".".join(("shared", "services", "planning"))
IMPORT_MACHINERY = "<frozen importlib._bootstrap"
PAGE = "1a2b3c4d-0000-4000-8000-00000000abcd"


def _scenario() -> tuple[Any, Any]:
    """(the plan task, the engine's deps) of a page's change that starts a run."""
    tasks = _first("shared.runs.domain.plan_task", BEFORE_TASKS)
    PlanTask, Trigger = tasks.PlanTask, tasks.Trigger
    from tests.support.engine.engine_fakes import make_deps
    from tests.support.notion.notion_fakes import FakeNotion, asking
    from tests.support.platform.platform_fakes import FakeModel

    notion = FakeNotion()
    for page in (PAGE, PAGE.replace("-", "")):
        notion.pages[page] = {"id": page, "parent": {}, "properties": {}, "url": f"https://n/{page}"}
        notion.children[page] = []
    notion.comments[PAGE] = [asking("c1", notion.bot_id)]
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    deps = make_deps(model=FakeModel(), notion=notion)._replace(clock=lambda: now)
    trigger = Trigger(kind="webhook", event_id="ev-r1", event_type="page.content_updated", page_id=PAGE)
    return PlanTask(tenant_id="t1", run_id="r1", trigger=trigger), deps


def _first(*modules: str) -> ModuleType:
    """The first of ``modules`` that imports: the layout now, else the one before decision 0080's move (main at
    69c778f), so the figures before and after come from the same command."""
    for name in modules[:-1]:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return importlib.import_module(modules[-1])


def _module(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", "?"))


def _importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside an import (Python's import machinery is on the stack)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith(IMPORT_MACHINERY):
            return True
        frame = frame.f_back
    return False


def trace_start_run() -> list[tuple[str, str]]:
    """(module, function) of each call into shared/ while ``start_run`` plans the scenario's task."""
    start_run = _first("shared.engine.planning.start", BEFORE_PLANNING).start_run

    task, deps = _scenario()
    calls: list[tuple[str, str]] = []

    def tracer(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(PRODUCT):
            name = frame.f_code.co_name
            # comprehensions, lambdas, generator expressions and import-time code aside
            if not name.startswith("<") and not _importing(frame):
                calls.append((_module(frame), frame.f_code.co_qualname))

    sys.setprofile(None)
    sys.settrace(tracer)
    try:
        started = start_run(task, deps)
    finally:
        sys.settrace(None)
    if not started:
        raise SystemExit("plan_path: the scenario's task started no run: the path measured nothing")
    return calls


def figures(calls: list[tuple[str, str]]) -> dict[str, int]:
    stops = list(dict.fromkeys(calls))
    modules = {m for m, _ in stops}
    returns, seen, current = 0, set(), None
    for module, _ in calls:
        if module != current:
            if module in seen:
                returns += 1
            seen.add(module)
            current = module
    return {
        "plan_path_stops": len(stops),
        "plan_path_modules": len(modules),
        "plan_path_returns": returns,
        "plan_path_calls": len(calls),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print each stop, in the order first entered")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    calls = trace_start_run()
    if args.list:
        for module, function in dict.fromkeys(calls):
            print(f"{module}:{function}")
    print("RESULT " + " ".join(f"{k}={v}" for k, v in figures(calls).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
