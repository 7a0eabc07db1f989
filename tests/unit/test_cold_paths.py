"""Which of our modules on each function's cold path still load pydantic: the lists only shrink.

Decision 0045 moves the models a function loads at its start to msgspec structs, so that a cold start
does not pay for pydantic's import. Each list here is what a target still loads that imports pydantic;
a module that moves comes off it, and a module that starts to import pydantic on a path fails this.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from functions.main import TARGETS
from tests.support.cold_paths import STILL_ON_PYDANTIC

ROOT = Path(__file__).resolve().parents[2]
_LOADED = (
    "import json, sys, functions.main as m; getattr(m, sys.argv[1]); print(json.dumps(sorted(sys.modules)))"
)


def imports_pydantic(path: Path) -> bool:
    """Whether the module at ``path`` imports pydantic when it is loaded (not for type checking only)."""
    tree = ast.parse(path.read_text())
    for node in tree.body:  # module level: an import inside a function or TYPE_CHECKING runs later or never
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n == "pydantic" or n.startswith(("pydantic.", "pydantic_core")) for n in names):
            return True
    return False


def loaded_by(target: str) -> list[str]:
    """The modules a fresh interpreter has once it loaded ``target`` as functions-framework does."""
    loaded = subprocess.run(
        [sys.executable, "-c", _LOADED, target], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return list(json.loads(loaded.stdout))


def pydantic_modules_of(target: str, loaded: list[str] | None = None) -> set[str]:
    ours = [m for m in loaded or loaded_by(target) if m.split(".")[0] in {"shared", "functions"}]
    paths = {name: ROOT.joinpath(*name.split(".")) for name in ours}
    files = {n: p / "__init__.py" if p.is_dir() else p.with_suffix(".py") for n, p in paths.items()}
    return {name for name, path in files.items() if imports_pydantic(path)}


@pytest.mark.parametrize("target", TARGETS)
def test_a_cold_path_loads_the_pydantic_modules_listed_and_no_other(target: str) -> None:
    loaded = loaded_by(target)
    assert pydantic_modules_of(target, loaded) == STILL_ON_PYDANTIC[target]
    if not STILL_ON_PYDANTIC[target]:  # nor does any library it loads: pydantic is not imported at all
        assert [m for m in loaded if m.split(".")[0] in {"pydantic", "pydantic_core"}] == []


def test_the_check_sees_an_import_of_pydantic_and_not_one_for_type_checking(tmp_path: Path) -> None:
    loads = tmp_path / "loads.py"
    loads.write_text("import re\nfrom pydantic import BaseModel\n")
    typing_only = tmp_path / "typing_only.py"
    typing_only.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pydantic import BaseModel\n"
    )
    assert imports_pydantic(loads) and not imports_pydantic(typing_only)
