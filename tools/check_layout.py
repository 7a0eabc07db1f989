"""The layout's figures, as one line: ``make check-layout`` (decisions 0080, 0144).

``RESULT largest_folder_modules=<n> largest_module_lines=<n> duplicate_pairs=<n> product_pairs=<n>
capability_contract=<0|1> inherited_roots=<n> port_spellings_max=<n> capability_readmes=<n>
readme_sections_missing=<n>``, where

- largest_folder_modules: the most Python files (``__init__.py`` included) one folder of ``shared/``,
  ``functions/`` or ``tests/`` holds;
- largest_module_lines: the most lines of a Python module under ``shared/`` or ``functions/``;
- duplicate_pairs: the pairs ``duplicates --most 200`` lists over the whole tree, and product_pairs
  those with both sides under ``shared/`` or ``functions/``;
- capability_contract: 1 when ``lint-imports`` passes with the capabilities' contract in pyproject.toml;
- inherited_roots: the classes of the composition root (``shared/bootstrap/``) and of GitHub's adapter
  (``shared/code/adapters/github*``) that inherit from another class of ours (an error class aside);
- port_spellings_max: the most places of the composition root one port's name is spelled in (a
  member of the ``Port`` literal, a key of a table, a ``Built`` attribute, a ``_build_<port>`` method);
- capability_readmes: the capabilities (``shared/<capability>/``, and ``functions/``) with a README.md;
- readme_sections_missing: the sections of :data:`SECTIONS` those READMEs lack (what it is: a title and
  words before the first section; its entry points; what of it lives elsewhere and why; which tests
  cover it; the recipe for its common change), each a ``## `` heading starting with the section's name.

The limits report, they do not force (decision 0144). The lines before the figures name the folders
and modules over :data:`LIMITS`; one of them is excused when it says why in its docstring (a module's,
or the folder's ``__init__.py``): a sentence starting with :data:`EXCUSE` ("Past the limit: one job,
…"). It exits 1 only for a module or folder over its limit that does not say why, for more product
pairs, over the tree or in the product, than :data:`LIMITS` allows (today's counts: duplicates may
not grow), for a broken contract and for a capability's README that lacks a section.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("shared", "functions")
# The trees whose folders hold at most LIMITS["largest_folder_modules"] modules: the tests mirror the product.
FOLDERS = (*PRODUCT, "tests")
LIMITS = {
    "largest_folder_modules": 15,
    "largest_module_lines": 500,
    "duplicate_pairs": 105,  # the counts of decision 0164 (0144's, amended): they may only fall
    "product_pairs": 28,
    "capability_contract": 1,
    "readme_sections_missing": 0,
}
# The figures held: the duplicate pairs and the contract exit 1 past their limit; a folder or module
# past its limit exits 1 only when it does not say why (EXCUSE).
ENFORCED = (
    "largest_folder_modules",
    "largest_module_lines",
    "duplicate_pairs",
    "product_pairs",
    "capability_contract",
    "readme_sections_missing",
)
EXCUSED = ("largest_folder_modules", "largest_module_lines")
EXCUSE = "Past the limit:"
CONTRACT = "Capabilities: each uses only the ones below it"
ROOTS = ("shared/bootstrap", "shared/code/adapters/github")  # the composition root; GitHub's adapter
README_HOMES = ("functions",)  # beside shared/<capability>/: what else has a capability's README
# The sections of a capability's README (sentry's way), each a "## " heading starting so.
SECTIONS = ("Entry points", "Lives elsewhere", "Tests", "Recipe")
DUPLICATES = ("duplicates", "--most", "200", "--seconds", "300")  # the command on PATH, over the tree
_PAIR = re.compile(r"^D\d+ (\S+?):\d+-\d+ ~ (\S+?):\d+-\d+")


def folders(top: tuple[str, ...], root: Path = ROOT) -> dict[str, int]:
    """Python files per folder under ``top`` of ``root`` (caches aside)."""
    counts: dict[str, int] = {}
    for name in top:
        for path in (root / name).rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            folder = str(path.parent.relative_to(root))
            counts[folder] = counts.get(folder, 0) + 1
    return counts


def module_lines() -> dict[str, int]:
    return {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for name in PRODUCT
        for p in (ROOT / name).rglob("*.py")
        if "__pycache__" not in p.parts
    }


def duplicate_pairs() -> tuple[int, int, list[str]]:
    """(pairs, pairs with both sides product code, the product rows), from ``duplicates --most 200``."""
    out = subprocess.run(DUPLICATES, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    first = out.splitlines()[0] if out else ""
    total = int(first.split()[0]) if first[:1].isdigit() else 0
    product = [
        line
        for line in out.splitlines()
        if (m := _PAIR.match(line))
        and all(side.startswith(tuple(f"{p}/" for p in PRODUCT)) for side in m.groups())
    ]
    return total, len(product), product


def capability_contract() -> int:
    """1 when pyproject.toml holds the capabilities' contract and lint-imports keeps every contract."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    if not any(c["name"].startswith(CONTRACT) for c in config):
        return 0
    lint = subprocess.run(
        [str(ROOT / ".venv/bin/lint-imports")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return 1 if lint.returncode == 0 else 0


def says_why(path: Path) -> bool:
    """Whether a module's docstring (a folder's: its ``__init__.py``'s) has a sentence starting with
    :data:`EXCUSE` that gives a reason."""
    module = path / "__init__.py" if path.is_dir() else path
    if not module.exists():
        return False
    doc = ast.get_docstring(ast.parse(module.read_text())) or ""
    _, found, reason = " ".join(doc.split()).partition(EXCUSE)
    return bool(found) and len(reason.strip().rstrip(".")) >= 10


def _root_modules(root: Path) -> list[Path]:
    found = []
    for prefix in ROOTS:
        base = root / prefix
        found += sorted(base.rglob("*.py")) if base.is_dir() else []
        found += sorted(base.parent.glob(f"{base.name}*.py")) if base.parent.is_dir() else []
        found += sorted(p for d in base.parent.glob(f"{base.name}*/") for p in d.rglob("*.py"))
    return sorted({p for p in found if "__pycache__" not in p.parts})


def inherited_roots(root: Path = ROOT) -> list[str]:
    """``module:Class`` of each class of the composition root and GitHub's adapter whose base is a
    class of ours: defined in the same module or imported from ``shared``. Error classes aside (a
    base from ``shared.platform.errors``, or a name ending in Error)."""
    found = []
    for path in _root_modules(root):
        tree = ast.parse(path.read_text())
        ours = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.module == "shared.platform.errors":
                continue
            if (node.module or "").startswith("shared"):
                ours |= {alias.asname or alias.name for alias in node.names}
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or node.name.endswith("Error"):
                continue
            bases = [b.value if isinstance(b, ast.Subscript) else b for b in node.bases]
            names = [
                b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                for b in bases
            ]
            if any(n in ours and not n.endswith("Error") for n in names):
                found.append(f"{path.relative_to(root)}:{node.name}")
    return found


def port_spellings(root: Path = ROOT) -> dict[str, int]:
    """Each port of the composition root -> the places its name is spelled there: a member of a
    ``Literal``, a key of a module's table, a ``Built`` attribute, a ``_build_<port>`` method."""
    places: dict[str, list[str]] = {}

    def spelled(name: str, where: str) -> None:
        places.setdefault(name, []).append(where)

    for path in sorted((root / ROOTS[0]).rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "Literal":
                members = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                for m in members:
                    if isinstance(m, ast.Constant) and isinstance(m.value, str):
                        spelled(m.value, f"{path.name}: Literal")
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                table = getattr(target, "id", "?")
                for key in node.value.keys:
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        spelled(key.value, f"{path.name}: {table}")
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    annotation = getattr(item, "annotation", None)
                    built = (
                        isinstance(annotation, ast.Subscript)
                        and getattr(annotation.value, "id", "") == "Built"
                    )
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and built:
                        spelled(item.target.id, f"{path.name}: {node.name}.{item.target.id}")
                    elif isinstance(item, ast.FunctionDef) and item.name.startswith("_build_"):
                        spelled(item.name.removeprefix("_build_"), f"{path.name}: {item.name}")
    # A port is a name the root declares as one: a Literal's member, a Built attribute or a key of a
    # PORTS table; a root that has none of those (a new form) has every name it spells counted.
    declared = {
        name
        for name, where in places.items()
        if any(": Literal" in w or "." in w.split(": ")[1] or w.split(": ")[1] == "PORTS" for w in where)
    } or set(places)
    return {name: len(where) for name, where in places.items() if name in declared}


def capability_readmes(root: Path = ROOT) -> tuple[int, list[str]]:
    """(capabilities with a README.md, those without): shared's packages and :data:`README_HOMES`."""
    homes = [p for p in sorted((root / "shared").iterdir()) if (p / "__init__.py").exists()]
    homes += [root / h for h in README_HOMES if (root / h).is_dir()]
    missing = [str(h.relative_to(root)) for h in homes if not (h / "README.md").exists()]
    return len(homes) - len(missing), missing


def readme_sections(root: Path = ROOT) -> dict[str, list[str]]:
    """Each capability README -> what it lacks: "What it is" (a ``# `` title and words before its first
    section), and each of :data:`SECTIONS` without a ``## `` heading that starts with it."""
    homes = [p for p in sorted((root / "shared").iterdir()) if (p / "__init__.py").exists()]
    homes += [root / h for h in README_HOMES if (root / h).is_dir()]
    lacking: dict[str, list[str]] = {}
    for home in homes:
        readme = home / "README.md"
        if not readme.exists():
            continue  # counted by capability_readmes
        text = readme.read_text()
        headings = [line[3:].strip().lower() for line in text.splitlines() if line.startswith("## ")]
        intro = text.split("\n## ", 1)[0].strip().splitlines()
        missing = [] if intro[:1] and intro[0].startswith("# ") and len(intro) > 1 else ["What it is"]
        missing += [s for s in SECTIONS if not any(h.startswith(s.lower()) for h in headings)]
        if missing:
            lacking[str(readme.relative_to(root))] = missing
    return lacking


def main() -> int:
    held_folders = folders(FOLDERS)
    lines = module_lines()
    total, product, product_rows = duplicate_pairs()
    spellings = port_spellings()
    inherited = inherited_roots()
    readmes, without = capability_readmes()
    sections = readme_sections()
    figures = {
        "largest_folder_modules": max(held_folders.values()),
        "largest_module_lines": max(lines.values()),
        "duplicate_pairs": total,
        "product_pairs": product,
        "capability_contract": capability_contract(),
        "inherited_roots": len(inherited),
        "port_spellings_max": max(spellings.values(), default=0),
        "capability_readmes": readmes,
        "readme_sections_missing": sum(len(m) for m in sections.values()),
    }
    unexcused = []
    for folder, n in sorted(held_folders.items()):
        if n > LIMITS["largest_folder_modules"]:
            why = says_why(ROOT / folder)
            unexcused += [] if why else [folder]
            print(f"folder over {LIMITS['largest_folder_modules']}: {folder} ({n} modules){_said(why)}")
    for module, n in sorted(lines.items(), key=lambda kv: -kv[1]):
        if n > LIMITS["largest_module_lines"]:
            why = says_why(ROOT / module)
            unexcused += [] if why else [module]
            print(f"module over {LIMITS['largest_module_lines']} lines: {module} ({n}){_said(why)}")
    for row in product_rows:
        print(f"product pair: {row}")
    for name in inherited:
        print(f"inherits from a class of ours: {name}")
    most = max(spellings.values(), default=0)
    for port, n in sorted(spellings.items()):
        if n == most:
            print(f"port spelled in {n} places of the composition root: {port}")
    for home in without:
        print(f"no README.md: {home}")
    for readme, missing in sections.items():
        print(f"README without its sections: {readme} ({', '.join(missing)})")
    failed = failures(figures, unexcused)
    print("RESULT " + " ".join(f"{k}={v}" for k, v in figures.items()))
    for name, limit in LIMITS.items():
        state = "reported; past it a module or folder says why" if name in EXCUSED else "enforced"
        print(f"  {name}: limit {limit} ({state if name in ENFORCED else 'reported only'})")
    if failed:
        print(f"check-layout: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _said(why: bool) -> str:
    return (
        f" (its docstring says why: '{EXCUSE} ...')"
        if why
        else f" (say why in its docstring: '{EXCUSE} ...')"
    )


def failures(figures: dict[str, int], unexcused: list[str]) -> list[str]:
    """What fails the check: a module or folder over its limit that does not say why, and each other
    enforced figure past its limit."""
    failed = [f"over the limit without saying why: {', '.join(unexcused)}"] if unexcused else []
    for name in ENFORCED:
        if name in EXCUSED:
            continue
        over = figures[name] < LIMITS[name] if name == "capability_contract" else figures[name] > LIMITS[name]
        if over:
            failed.append(f"{name}={figures[name]} past its limit {LIMITS[name]}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
