"""Tools declare whether they use Notion (``Tool.uses_notion``), and the engine gives Notion only to
those that do: the declaration matches the code each tool runs."""

import ast
import inspect
import sys

import pytest

from shared.engine.services.model_recorder import Recorder
from shared.engine.services.run_log import RunLog
from shared.engine.services.step_state import Step
from shared.notion.ports import TenantNotion
from shared.runs.domain.state import PlannedStep, RunState
from shared.tools import REGISTRY, Tool
from tests.engine_fakes import make_deps


def test_uses_notion_is_a_field_every_tool_must_set() -> None:
    assert "uses_notion" in Tool._fields
    assert "uses_notion" not in Tool._field_defaults  # no default: a new tool says it
    for tool in REGISTRY.values():
        assert isinstance(tool.uses_notion, bool), tool.name


def _reaches_notion(tool: Tool) -> bool:
    """Whether the code named where the tool is declared (``Tool(...)``, or ``notion_write(...)`` for a
    Notion write: its run and find functions, and the module's functions they call, transitively)
    touches ``ctx.notion`` or ``ctx.need_notion``."""
    module = sys.modules[tool.run.__module__]
    tree = ast.parse(inspect.getsource(module))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    declared = [
        call
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id in ("Tool", "notion_write")
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == tool.name
    ]
    assert len(declared) == 1, tool.name
    todo = [n.id for n in ast.walk(declared[0]) if isinstance(n, ast.Name)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Attribute) and node.attr in ("notion", "need_notion"):
                return True
            if isinstance(node, ast.Name):
                todo.append(node.id)
    return False


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_tool_declares_notion_exactly_when_its_code_uses_it(name: str) -> None:
    tool = REGISTRY[name]
    assert tool.uses_notion == _reaches_notion(tool)


def test_some_tools_use_notion_and_some_do_not() -> None:  # the check above sees both kinds
    assert {t.uses_notion for t in REGISTRY.values()} == {True, False}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_the_engine_gives_notion_only_to_tools_that_declare_it(name: str) -> None:
    asked: list[str] = []
    deps = make_deps()
    notion_for = deps.notion_for
    assert notion_for is not None

    def recording(tenant_id: str) -> TenantNotion:
        asked.append(tenant_id)
        return notion_for(tenant_id)

    deps = deps._replace(notion_for=recording)
    state = RunState(goal="g", steps=(PlannedStep(tool=name, args={}),))
    step = Step(RunLog(deps, "t1", "r1"), state, Recorder(deps, "t1", state))
    ctx = step.context(REGISTRY[name], {})
    if REGISTRY[name].uses_notion:
        assert asked == ["t1"]
        assert ctx.notion is not None
    else:
        assert asked == []
        assert ctx.notion is None
        with pytest.raises(RuntimeError, match="no Notion access"):
            ctx.need_notion()


def test_the_registry_names_every_tool_of_every_tool_module_and_no_other() -> None:
    import importlib
    import pkgutil

    import shared.tools as tools
    from shared.tools import TOOL_MODULES

    declared: dict[str, str] = {}
    # every module below shared.tools, its subpackages' too (the code tools are in shared.tools.code)
    for info in pkgutil.walk_packages(tools.__path__, prefix=f"{tools.__name__}."):
        module = importlib.import_module(info.name)
        for tool in getattr(module, "TOOLS", []):
            assert tool.name not in declared, f"{tool.name} is declared twice"
            declared[tool.name] = info.name.rsplit(".", 1)[1]
    assert declared == TOOL_MODULES
    assert [REGISTRY[name].name for name in REGISTRY] == list(TOOL_MODULES)
    assert "delete_workspace" not in REGISTRY and REGISTRY.get("delete_workspace") is None


def test_looking_a_tool_up_loads_its_module_and_no_other_tool_s() -> None:
    import subprocess

    child = (
        "import sys\n"
        "from shared.tools import REGISTRY\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith('shared.tools.')\n"
        "                        and m.rsplit('.', 1)[1] in ('code', 'flow', 'notion_read', 'notion_write'))\n"
        "before = loaded()\n"
        "assert REGISTRY['read_page'].name == 'read_page'\n"
        "print(before, loaded())\n"
    )
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "['shared.tools.notion_read']"]
