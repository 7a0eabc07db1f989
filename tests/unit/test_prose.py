"""The prose in the code stays short: docstrings run at most 8 lines (a module says what it is for,
a function states its contract) and no docstring or comment sentence runs over 40 words
(tools/prose_stats.py measures)."""

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
