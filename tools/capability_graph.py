"""The capabilities' diagram in docs/architecture.md, drawn from the import graph (decision 0144).

``python -m tools.capability_graph`` prints the Mermaid block; ``--write docs/architecture.md``
replaces the block between :data:`BEGIN` and :data:`END` in place; ``--check DOC`` exits 1 when the
document's block is not what the code draws (tests/unit/test_docs.py does the same).

An arrow ``a --> b`` is drawn when a module of ``shared.a`` imports a module of ``shared.b`` (grimp's
graph, the one import-linter checks, type-checking imports included), except the imports the
capabilities' contract in pyproject.toml ignores: a port named only for its type. ``platform`` (used
by all) and ``bootstrap`` (uses all) are left out. Capabilities are listed in the contract's layer
order, top first; each node's label is its README's title (``shared/<capability>/README.md``), else
the first sentence of its package docstring.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- capability-graph:begin: python -m tools.capability_graph --write docs/architecture.md -->"
END = "<!-- capability-graph:end -->"
LEFT_OUT = ("platform", "bootstrap")
CONTRACT = "Capabilities: each uses only the ones below it"


def contract(pyproject: Path = ROOT / "pyproject.toml") -> tuple[list[str], set[tuple[str, str]]]:
    """The capabilities' contract: its layers' capabilities top first, and its ignored imports as
    (importer, imported) module pairs."""
    contracts = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    found = next(c for c in contracts if c["name"].startswith(CONTRACT))
    order = [
        part.strip().split(".")[-1]
        for layer in found["layers"]
        for part in layer.split("|")
        if part.strip().startswith("shared.")
    ]
    ignored = {
        (left.strip(), right.strip())
        for line in found.get("ignore_imports", [])
        for left, right in [line.split("->")]
    }
    return order, ignored


def edges(package: str, ignored: set[tuple[str, str]] | None = None) -> dict[str, set[str]]:
    """Capability -> the capabilities it imports: every direct import between two subpackages of
    ``package`` (which must be importable), the ``ignored`` module pairs aside."""
    graph = grimp.build_graph(package, cache_dir=None)
    uses: dict[str, set[str]] = {child.split(".")[1]: set() for child in graph.find_children(package)}
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            if ignored and (importer, imported) in ignored:
                continue
            a, b = importer.split("."), imported.split(".")
            if len(a) > 1 and len(b) > 1 and b[0] == package and a[1] != b[1] and a[1] in uses:
                uses[a[1]].add(b[1])
    return uses


def label(capability: str, root: Path = ROOT, package: str = "shared") -> str:
    """The README's title, else the first sentence of the package's docstring, else the name."""
    readme = root / package / capability / "README.md"
    if readme.exists():
        title = readme.read_text().splitlines()[0].lstrip("# ").strip()
        return title.replace('"', "'")
    init = root / package / capability / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text())) if init.exists() else None
    if not doc:
        return capability
    return " ".join(doc.split(". ")[0].split()).rstrip(".").replace('"', "'")


def mermaid(
    uses: dict[str, set[str]], order: list[str], labels: dict[str, str], left_out: tuple[str, ...] = LEFT_OUT
) -> str:
    """The diagram: one node per capability, one line of arrows per capability that uses any."""
    ranked = [c for c in order if c in uses] + sorted(c for c in uses if c not in order)
    shown = [c for c in ranked if c not in left_out]
    lines = ["```mermaid", "flowchart TD"]
    lines += [f'  {c}["{labels.get(c, c)}"]' for c in shown]
    for c in shown:
        targets = [t for t in shown if t in uses[c]]
        if targets:
            lines.append(f"  {c} --> {' & '.join(targets)}")
    lines.append("```")
    return "\n".join(lines)


def drawn(root: Path = ROOT) -> str:
    """The block the code draws for this repository."""
    order, ignored = contract(root / "pyproject.toml")
    uses = edges("shared", ignored)
    return mermaid(uses, order, {c: label(c, root) for c in uses})


def arrows(block: str) -> set[tuple[str, str]]:
    """The (user, used) pairs a Mermaid block draws as ``a --> b & c`` lines."""
    found = set()
    for line in block.splitlines():
        user, sep, used = line.partition("-->")
        if sep:
            found |= {(user.strip(), target.strip()) for target in used.split("&")}
    return found


def block_of(text: str) -> str:
    """The block between the markers of a document; without them, its first top-down flowchart (the
    diagram as it was drawn by hand), else ""."""
    if BEGIN in text:
        return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    start = text.find("```mermaid\nflowchart TD\n")
    return text[start : text.index("```", start + 10) + 3] if start >= 0 else ""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", metavar="DOC", help="replace the document's diagram in place")
    parser.add_argument("--check", metavar="DOC", help="exit 1 when the document's diagram is stale")
    args = parser.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    block = drawn()
    if args.write:
        path = Path(args.write)
        text = path.read_text()
        head, rest = text.split(BEGIN, 1)
        path.write_text(f"{head}{BEGIN}\n{block}\n{END}{rest.split(END, 1)[1]}")
        return 0
    if args.check:
        if block_of(Path(args.check).read_text()) != block:
            print(
                f"{args.check}: the capabilities' diagram is stale; run: python -m tools.capability_graph --write {args.check}"
            )
            return 1
        return 0
    print(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
