"""Every way the code starts a run says who started it (decision 0137): each ``Trigger(...)``
built in ``shared/`` and ``functions/`` names ``by_owner``, so a new start path cannot leave it to a
default. (A trigger left without it is a member's for a Notion event and the owner's otherwise, as
task bodies queued before it read.)"""

import ast
from pathlib import Path

ROOT = Path(__file__).parents[3]


def _unnamed(path: Path) -> list[str]:
    """Where ``path`` builds a Trigger without ``by_owner`` (``file:line``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name == "Trigger" and not any(k.arg in ("by_owner", None) for k in node.keywords):
            found.append(f"{path.name}:{node.lineno}")
    return found


def _built() -> int:
    return sum(
        1
        for base in ("shared", "functions")
        for path in (ROOT / base).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and (node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")) == "Trigger"
    )


def test_every_trigger_the_code_builds_names_who_started_it() -> None:
    unnamed = [
        line for base in ("shared", "functions") for p in (ROOT / base).rglob("*.py") for line in _unnamed(p)
    ]
    assert unnamed == [], "a Trigger built without by_owner: say who started the run"
    assert _built() >= 14  # the start paths: api, console, dry run, comment, tracker, schedule, hand-off, ...


def test_the_check_finds_a_trigger_without_its_starter(tmp_path: Path) -> None:
    made = tmp_path / "start.py"
    made.write_text('trigger = Trigger(kind="api", page_id="p")\nok = Trigger(kind="api", by_owner=False)\n')
    assert _unnamed(made) == ["start.py:1"]
