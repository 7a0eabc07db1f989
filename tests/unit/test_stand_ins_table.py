"""The stand-ins table of docs/local-stack.md cannot rot: every row that says a stand-in reproduces a
behaviour (yes, partly) names a test, every test named (``file::test``) exists, a row that says no
says what the difference hides, and the stand-ins and behaviours the product relies on each have a row."""

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "local-stack.md"
HEADING = "## What each stand-in is held to"
COLUMNS = ["stand-in", "production behaviour our code relies on", "source", "reproduced", "shown by"]
REFERENCE = re.compile(r"([\w./-]+\.py)::(\w+)")
STAND_INS = (
    *("Cloud Tasks emulator", "Firestore emulator", "the gateway as load balancer"),
    *("the gateway as backend bucket", "Cloud Run's headers and identity", "Secret Manager stub"),
    *("Gemini stand-in (Vertex stub", "Gemini stand-in (offline model", "Notion sandbox", "GitHub sandbox"),
    *("Vercel sandbox", "Slack sandbox", "Discord sandbox", "SMTP sandbox", "Pub/Sub emulator"),
    "Gmail sandbox",
)
BEHAVIOURS = (
    *("SIGNATURE_REMOVED_BY_GOOGLE", "X-CloudTasks-TaskRetryCount", "X-CloudTasks-TaskExecutionCount"),
    *("X-CloudTasks-TaskName", "X-CloudTasks-QueueName", "dispatch deadline", "max attempts"),
    *("de-duplication window", "request timeout", "concurrency", "composite indexes"),
)

Row = dict[str, str]


def table(text: str) -> list[Row]:
    """The rows of the table under HEADING, by column."""
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == COLUMNS, header
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert len(cells) == len(COLUMNS), f"a row of {len(cells)} cells: {line[:80]}"
        rows.append(dict(zip(COLUMNS, cells, strict=True)))
    return rows


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """The test functions a test file defines at its top level."""
    tree = ast.parse(path.read_text())
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    return frozenset(n.name for n in tree.body if isinstance(n, kinds) and n.name.startswith("test_"))


def problems(rows: list[Row]) -> list[str]:
    """What is wrong with the rows: a reproduced row without a test, a test that does not exist, a
    row that does not say whether it reproduces, a "no" that does not say what it hides."""
    found = []
    for row in rows:
        what = f"{row['stand-in']}: {row['production behaviour our code relies on'][:60]}"
        verdict, references = row["reproduced"], REFERENCE.findall(row["shown by"])
        if not re.match(r"(yes|partly|no)\b", verdict):
            found.append(f"{what}: reproduced must say yes, partly or no")
        if re.match(r"(yes|partly)\b", verdict) and not references:
            found.append(f"{what}: says {verdict.split()[0]} but names no test (file::test)")
        if verdict.startswith("no") and len(verdict.removeprefix("no:").strip()) < 20:
            found.append(f"{what}: a 'no' must say what the difference hides")
        if not row["source"]:
            found.append(f"{what}: no source")
        for file, name in references:
            path = ROOT / file
            if not path.is_file():
                found.append(f"{what}: {file} does not exist")
            elif name not in defined_tests(path):
                found.append(f"{what}: {file} has no test {name}")
    return found


def test_every_row_names_tests_that_exist_and_says_what_a_difference_hides() -> None:
    rows = table(DOC.read_text())
    assert len(rows) >= 20
    assert problems(rows) == []


def test_every_stand_in_and_behaviour_asked_for_has_a_row() -> None:
    rows = table(DOC.read_text())
    assert [s for s in STAND_INS if not any(r["stand-in"].startswith(s) for r in rows)] == []
    behaviours = " ".join(r["production behaviour our code relies on"] for r in rows)
    assert [b for b in BEHAVIOURS if b not in behaviours] == []
    indexes = next(r for r in rows if "composite indexes" in r["production behaviour our code relies on"])
    assert indexes["reproduced"].startswith("no:")
    assert "make check-indexes (tests/infra/firestore/test_query_indexes.py)" in indexes["shown by"]


def test_the_check_catches_a_missing_test_an_untested_yes_and_a_silent_no() -> None:
    row = {column: "x" for column in COLUMNS}
    gone = row | {
        "reproduced": "yes",
        "shown by": "`tests/unit/platform/entry/test_caller.py::test_that_was_removed`",
    }
    moved = row | {"reproduced": "partly: a note", "shown by": "`tests/unit/nowhere.py::test_it`"}
    untested = row | {"reproduced": "yes", "shown by": "make something"}
    silent = row | {"reproduced": "no", "shown by": "nothing"}
    found = problems([gone, moved, untested, silent])
    assert [p.split(": ", 2)[-1] for p in found] == [
        "tests/unit/platform/entry/test_caller.py has no test test_that_was_removed",
        "tests/unit/nowhere.py does not exist",
        "says yes but names no test (file::test)",
        "a 'no' must say what the difference hides",
    ]
