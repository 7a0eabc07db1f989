"""How long the prose in the code runs: docstrings (via ast) and comment sentences (via tokenize).

Prints, for shared/ and functions/: the longest module docstring, how many module docstrings exceed
8 lines, the longest function or class docstring, docstring lines as a share of all lines, and how
many sentences in comments and in docstrings exceed 40 words. tests/unit/test_prose.py holds the bounds.
"""

import argparse
import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shared", "functions")
MODULE_MAX_LINES = 8
SENTENCE_MAX_WORDS = 40
# a sentence ends at . ! or ? before a space and what may start one (a capital, a digit, a quote, a
# backtick, a role such as :func:), or at the end
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(:*])")


class Docstring(NamedTuple):
    path: Path
    name: str  # "<module>", or the function's or class's qualified name
    line: int
    lines: int
    text: str


def sources(packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def docstrings(path: Path) -> Iterator[Docstring]:
    """Every docstring of a module: its own, then its classes' and functions', nested ones too."""
    tree = ast.parse(path.read_text())

    def walk(node: ast.AST, prefix: str) -> Iterator[Docstring]:
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body:
            first = body[0]
            constant = first.value if isinstance(first, ast.Expr) else None
            if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                lines = (first.end_lineno or first.lineno) - first.lineno + 1
                yield Docstring(path, prefix or "<module>", first.lineno, lines, constant.value)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                yield from walk(child, f"{prefix}.{child.name}" if prefix else child.name)

    yield from walk(tree, "")


def comment_blocks(path: Path) -> Iterator[tuple[int, str]]:
    """(first line, text) of each comment: a trailing one alone, whole-line ones on consecutive lines
    at the same column together; the ``#`` marks dropped."""
    block: list[str] = []
    start = last = column = 0
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type != tokenize.COMMENT:
            continue
        line, col = token.start
        text = token.string.lstrip("#").strip()
        whole_line = not token.line[:col].strip()
        if block and whole_line and line == last + 1 and col == column:
            block.append(text)
        else:
            if block:
                yield start, " ".join(block)
            block, start, column = [text], line, col if whole_line else -1
        last = line
    if block:
        yield start, " ".join(block)


def _long(text: str, max_words: int) -> Iterator[tuple[int, str]]:
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        if len(sentence.split()) > max_words:
            yield len(sentence.split()), sentence


def long_sentences(path: Path, max_words: int = SENTENCE_MAX_WORDS) -> Iterator[tuple[int, int, str]]:
    """(line, words, sentence) of each comment sentence longer than ``max_words`` words."""
    for line, text in comment_blocks(path):
        for words, sentence in _long(text, max_words):
            yield line, words, sentence


def long_docstring_sentences(
    path: Path, max_words: int = SENTENCE_MAX_WORDS
) -> Iterator[tuple[int, int, str]]:
    """(line, words, sentence) of each docstring sentence longer than ``max_words`` words."""
    for d in docstrings(path):
        for words, sentence in _long(d.text, max_words):
            yield d.line, words, sentence


def report(packages: tuple[str, ...] = PACKAGES) -> str:
    paths = sources(packages)
    found = [d for p in paths for d in docstrings(p)]
    modules = [d for d in found if d.name == "<module>"]
    functions = [d for d in found if d.name != "<module>"]
    longest_module = max(modules, key=lambda d: d.lines)
    longest_function = max(functions, key=lambda d: d.lines)
    out = []
    for package in packages:
        in_package = [p for p in paths if p.relative_to(ROOT).parts[0] == package]
        total = sum(len(p.read_text().splitlines()) for p in in_package)
        doc = sum(d.lines for d in found if d.path in in_package)
        sentences = sum(1 for p in in_package for _ in long_sentences(p))
        in_docstrings = sum(1 for p in in_package for _ in long_docstring_sentences(p))
        out.append(
            f"{package}/: docstring lines {doc} of {total} ({100 * doc / total:.1f}%); "
            f"sentences over {SENTENCE_MAX_WORDS} words: {sentences} in comments, "
            f"{in_docstrings} in docstrings"
        )
    out += [
        f"longest module docstring: {longest_module.lines} lines ({longest_module.path.relative_to(ROOT)})",
        f"module docstrings over {MODULE_MAX_LINES} lines: "
        f"{sum(1 for d in modules if d.lines > MODULE_MAX_LINES)} of {len(modules)}",
        f"longest function or class docstring: {longest_function.lines} lines "
        f"({longest_function.path.relative_to(ROOT)}: {longest_function.name})",
        f"function or class docstrings over 8 lines: {sum(1 for d in functions if d.lines > 8)}",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--list", action="store_true", help="list each long docstring and sentence")
    args = parser.parse_args()
    print(report())
    if args.list:
        for path in sources():
            where = path.relative_to(ROOT)
            for d in docstrings(path):
                limit = MODULE_MAX_LINES if d.name == "<module>" else 8
                if d.lines > limit:
                    print(f"docstring {where}:{d.line} {d.name}: {d.lines} lines")
            for line, words, _ in long_sentences(path):
                print(f"comment {where}:{line}: {words} words")
            for line, words, _ in long_docstring_sentences(path):
                print(f"docstring sentence {where}:{line}: {words} words")


if __name__ == "__main__":
    main()
