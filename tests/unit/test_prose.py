"""The prose in the code stays short: docstrings run at most 8 lines (a module says what it is for,
a function states its contract) and no docstring or comment sentence runs over 40 words
(tools/prose_stats.py measures). Code cites the decision record or docs section a rule stands for,
never an issue number: the tracker they belonged to is not in the repository. Comments and docstrings
are read (Python, Make, Terraform, the console's TypeScript); strings are data (a sandbox issue's title)."""

import ast
import io
import re
import subprocess
import tokenize
from pathlib import Path

from tools.prose_stats import (
    MODULE_MAX_LINES,
    docstrings,
    long_docstring_sentences,
    long_sentences,
    sources,
)

FUNCTION_MAX_LINES = 8


def test_every_module_docstring_is_at_most_8_lines() -> None:
    long = [
        f"{d.path.name}: {d.lines} lines"
        for p in sources()
        for d in docstrings(p)
        if d.name == "<module>" and d.lines > MODULE_MAX_LINES
    ]
    assert not long, f"module docstrings over {MODULE_MAX_LINES} lines (link docs/ for the why): {long}"


def test_no_function_or_class_docstring_runs_over_8_lines() -> None:
    long = [
        f"{d.path.name}: {d.name} ({d.lines} lines)"
        for p in sources()
        for d in docstrings(p)
        if d.name != "<module>" and d.lines > FUNCTION_MAX_LINES
    ]
    assert not long, f"state the contract, not the history (the why goes in docs/): {long}"


def test_no_comment_sentence_runs_over_40_words() -> None:
    long = [f"{p.name}:{line} ({words} words)" for p in sources() for line, words, _ in long_sentences(p)]
    assert not long, f"comment sentences over 40 words: {long}"


def test_no_docstring_sentence_runs_over_40_words() -> None:
    long = [
        f"{p.name}:{line} ({words} words)"
        for p in sources()
        for line, words, _ in long_docstring_sentences(p)
    ]
    assert not long, f"docstring sentences over 40 words: {long}"


ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"\bissues? ?#?[0-9]+", re.IGNORECASE)
# The comments of a file of each kind that is not Python: a line's rest after # (Make, Terraform),
# or // and /* … */ (TypeScript, Terraform).
_HASH = re.compile(r"#[^\n]*")
_SLASHES = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def python_prose(source: str) -> list[tuple[int, str]]:
    """``source``'s comments and docstrings (module, class, function), each with its first line."""
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.append((first.lineno, first.value.value))
    return found


def other_prose(path: Path, source: str) -> list[tuple[int, str]]:
    """The comments of a Makefile, mk/*.mk, a .tf or a .ts/.tsx file, each with its first line."""
    pattern = _SLASHES if path.suffix in (".ts", ".tsx") else _HASH
    found = [(source.count("\n", 0, m.start()) + 1, m.group()) for m in pattern.finditer(source)]
    if path.suffix == ".tf":
        found += [(source.count("\n", 0, m.start()) + 1, m.group()) for m in _SLASHES.finditer(source)]
    return found


def citations(path: Path, source: str) -> list[str]:
    """Where ``source`` (the text of ``path``) cites an issue number in a comment or docstring."""
    prose = python_prose(source) if path.suffix == ".py" else other_prose(path, source)
    return [
        f"{path.relative_to(ROOT)}:{line}: {m.group()}"
        for line, text in prose
        for m in CITATION.finditer(text)
    ]


def _code_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py", "*.mk", "Makefile", "*.tf", "*.ts", "*.tsx"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_no_comment_or_docstring_cites_an_issue_number() -> None:
    cited = [c for path in _code_files() for c in citations(path, path.read_text(encoding="utf-8"))]
    assert cited == [], "cite the decision record or the docs section instead:\n" + "\n".join(cited)


def test_the_check_reads_comments_and_docstrings_not_data() -> None:
    """Each kind of comment is found; a string that is not a docstring is not."""
    py = ROOT / "shared" / "x.py"
    source = '"""Module (issue 64)."""\n\n\ndef f():\n    """Issue 4: a."""\n    return "Issue 0"  # see issue #7\n'
    assert [c.split(": ", 1)[1] for c in citations(py, source)] == ["issue #7", "issue 64", "Issue 4"]
    assert len(citations(ROOT / "mk" / "x.mk", "# Issues 36 and 70\nx:\n\techo 'issue 9'\n")) == 1
    assert (
        len(citations(ROOT / "web" / "x.tsx", 'const a = "issue 2"; // issue 78\n/** (issue 66) */\n')) == 2
    )
    assert len(citations(ROOT / "terraform" / "x.tf", '# issue 5\nname = "issue 6" // issue 7\n')) == 2
    assert citations(py, '"""Decision 0080; docs/security.md, "Reach"."""\nX = "issue 1"\n') == []
