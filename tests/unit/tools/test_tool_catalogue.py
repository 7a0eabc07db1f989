"""The tool list the planner reads (``shared.engine.agent.plans.catalogue``) is the committed one, to the byte:
its argument schemas are part of the planner's prompt, and change only on purpose."""

from pathlib import Path

from shared.engine.agent.plans import catalogue
from shared.tools import REGISTRY
from shared.tools.base import Args

COMMITTED = Path(__file__).with_name("tool_catalogue.txt")  # catalogue() and a final newline


def test_the_catalogue_is_the_committed_one() -> None:
    assert catalogue() + "\n" == COMMITTED.read_text(encoding="utf-8"), (
        "the tools' list or argument schemas changed: the planner's prompt changes with them; if that "
        "is meant, write catalogue() to tests/unit/tools/tool_catalogue.txt and commit it"
    )


def test_every_tools_arguments_are_an_args_model() -> None:
    assert [t.name for t in REGISTRY.values() if not issubclass(t.args, Args)] == []
