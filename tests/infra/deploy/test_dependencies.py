"""pyproject.toml's dependencies: each bounded above, the extras the code imports declared, and
uv.lock resolved from exactly these declarations."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[3]


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = project["project"]["dependencies"] + [
        item for group in project["dependency-groups"].values() for item in group if isinstance(item, str)
    ]
    return [Requirement(item) for item in listed]


def unbounded(requirements: list[Requirement]) -> list[str]:
    """The requirements that a new major release (or any release) could move past unseen."""
    return [
        req.name
        for req in requirements
        if not any(spec.operator in ("<", "<=", "==", "~=") for spec in req.specifier)
    ]


def test_every_dependency_has_an_upper_bound() -> None:
    assert unbounded(_declared()) == []


def test_an_unbounded_dependency_is_caught() -> None:
    assert unbounded([Requirement("tzdata>=2026.6"), Requirement("pydantic>=2,<3")]) == ["tzdata"]


def test_claude_on_vertex_declares_the_vertex_extra() -> None:
    """shared/platform/adapters/claude_vertex_model.py uses AnthropicVertex, whose credentials need
    the ``vertex`` extra (google-auth with requests): without it, it imports but cannot authenticate."""
    [anthropic] = [req for req in _declared() if req.name == "anthropic"]
    assert "vertex" in anthropic.extras
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    [ours] = [p for p in lock["package"] if p["name"] == "notion-agent"]
    assert {"name": "anthropic", "extra": ["vertex"]} in ours["dependencies"]
    [meta] = [d for d in ours["metadata"]["requires-dist"] if d["name"] == "anthropic"]
    assert meta["extras"] == ["vertex"] and SpecifierSet(meta["specifier"]) == anthropic.specifier
    [locked] = [p for p in lock["package"] if p["name"] == "anthropic"]
    assert {"name": "google-auth", "extra": ["requests"]} in locked["optional-dependencies"]["vertex"]
