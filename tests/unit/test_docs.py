"""The documents: a README a newcomer reads in minutes, docs/ that stand alone, and the generated
parts (settings table, api routes, cost figures) in step with the code."""

import re
import subprocess
from pathlib import Path
from typing import NamedTuple

from shared.platform.config import documented
from tools.settings_table import BEGIN, END, RULES_BEGIN, RULES_END, rules_table, table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").rglob("*.md"))
DECISIONS = sorted((ROOT / "docs" / "decisions").glob("[0-9]*.md"))
README_MAX_LINES = 150
# The README of the repository, of each capability (shared/<capability>/, functions/) and of docs/ folders
READMES = sorted(
    ROOT / name
    for name in subprocess.run(
        ["git", "ls-files", "README.md", "*/README.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
)  # the repository's own: never an installed package's (.venv-infra, web/node_modules)
# [text](target): the target up to a space, a closing parenthesis or a title
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_DOC_PATH = re.compile(r"(?<![\w./-])docs/[\w./-]+\.md")


def _text(path: Path) -> str:
    return path.read_text()


def test_the_readme_is_short() -> None:
    lines = len(README.splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move prose to docs/"


def test_the_readme_gives_the_two_set_up_commands_and_a_picture() -> None:
    assert "make demo" in README and "make test" in README
    assert "```mermaid\n" in README, "the architecture diagram (Mermaid renders on GitHub)"


def test_nothing_points_outside_the_repository() -> None:
    assert "../" not in README, "README.md: a path outside the repository"
    for path in [ROOT / "README.md", *DOCS]:
        text = _text(path)
        for outside in ("shared/docs/", "DESIGN.md", "STYLE.md", "LOCAL.md"):
            assert outside not in text, f"{path.relative_to(ROOT)} names {outside}, outside the repository"


def _anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces → -."""
    headings = re.findall(r"^#+ (.+)$", _text(path), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_relative_link_resolves_to_a_file_in_the_repository() -> None:
    for path in [*READMES, *DOCS]:
        for target in _LINK.findall(_text(path)):
            if re.match(r"[a-z]+:", target):
                continue  # a URL
            file, _, anchor = target.partition("#")
            resolved = (path.parent / file).resolve() if file else path
            where = f"{path.relative_to(ROOT)} links {target}"
            assert resolved.is_relative_to(ROOT), f"{where}: outside the repository"
            assert resolved.exists(), f"{where}: no such file"
            if anchor:
                assert anchor in _anchors(resolved), f"{where}: no such heading"


def test_every_docs_path_named_in_prose_exists() -> None:
    for path in [*READMES, *DOCS]:
        for named in _DOC_PATH.findall(_text(path)):
            assert (ROOT / named).exists(), f"{path.relative_to(ROOT)} names {named}: no such file"


def test_every_decision_record_the_code_names_exists() -> None:
    code = [
        p for d in ("shared", "functions", "local", "tools", "terraform") for p in (ROOT / d).rglob("*.py")
    ]
    for path in code:
        for named in re.findall(r"docs/decisions/[\w.-]+\.md", _text(path)):
            assert (ROOT / named).exists(), f"{path.relative_to(ROOT)} names {named}: no such file"


def test_no_document_is_titled_by_an_issue() -> None:
    for path in [ROOT / "README.md", *DOCS]:
        title = _text(path).splitlines()[0]
        assert title.startswith("# "), f"{path.relative_to(ROOT)}: starts with its title"
        assert not re.search(r"issue\s*#?\d+", title, re.I), f"{path.relative_to(ROOT)}: {title}"


def test_decision_records_are_numbered_short_and_titled_by_their_decision() -> None:
    numbers = []
    for path in DECISIONS:
        found = re.fullmatch(r"(\d{4})-[a-z0-9-]+\.md", path.name)
        assert found, f"{path.name}: NNNN-what-was-decided.md"
        numbers.append(int(found.group(1)))
        lines = _text(path).splitlines()
        number = found.group(1)
        assert lines[0].startswith(f"# {number} — "), f"{path.name}: '# {number} — <decision>'"
        assert len(lines) <= 30, f"{path.name} has {len(lines)} lines; a record is at most 30"
    # Numbers are handed out to parallel branches, so a branch may lack the records of others (its
    # merge brings them): unique, not gap-free.
    assert len(numbers) == len(set(numbers)), "each decision number is used once"


def test_every_setting_is_in_the_settings_table_with_its_meaning() -> None:
    document = _text(ROOT / "docs" / "settings.md")
    table_text = document.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table_text == table(), "run: python -m tools.settings_table --write docs/settings.md"
    for variable, _, meaning in documented():
        assert f"`{variable}`" in table_text and meaning


def test_every_trigger_rule_is_in_the_rules_table_with_its_fields() -> None:
    from shared.workspace.domain.triggers import RULE_MODELS

    document = _text(ROOT / "docs" / "settings.md")
    table_text = document.split(RULES_BEGIN, 1)[1].split(RULES_END, 1)[0].strip()
    assert table_text == rules_table(), "run: python -m tools.settings_table --write docs/settings.md"
    for model in RULE_MODELS:
        for name in model.model_fields:
            assert f"`{name}`" in table_text or name == "kind"


def test_the_readme_cost_figures_are_the_cost_models() -> None:
    from tools.cost_model import estimate

    for tenants, rounding in ((100, 5), (10_000, 100)):
        total = sum(estimate(tenants).values())
        assert f"${round(total / rounding) * rounding:,.0f} at {tenants:,} tenants" in README


def _documented_routes(text: str) -> set[tuple[str, str]]:
    """(method, path) of every route the routes table names; ``/a\\|b`` in a last segment is two."""
    section = text[text.index("## Routes") :].split("\n## ", 1)[0]
    routes = set()
    for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`", section):
        head, _, last = path.rpartition("/")
        for segment in last.split("\\|"):
            routes.add((method, re.sub(r"\{(\w+)\}", r"<\1>", f"{head}/{segment}")))
    return routes


def test_the_api_document_lists_exactly_the_api_routes() -> None:
    from functions.routes.table import ROUTES

    actual = {(method, route.path) for route in ROUTES for method in route.methods}
    assert _documented_routes(_text(ROOT / "docs" / "api.md")) == actual


# -- maps that cannot drift (decision 0144) ---------------------------------------------------------

# The roots a path to code starts from: the repository's folders, then a capability (under shared/).
_TOP = ("shared", "functions", "tools", "tests", "local", "terraform", "web", "mk")
_CAPABILITIES = tuple(sorted(p.name for p in (ROOT / "shared").iterdir() if (p / "__init__.py").exists()))
_LAYERS = ("services", "domain", "adapters", "ports", "planning", "agent", "coding", "routes", "tasks")
_PATH = re.compile(
    rf"(?<![\w./<>{{}}@:-])((?:{'|'.join((*_TOP, *_CAPABILITIES, *_LAYERS))})/[\w./<>{{}}*…-]*"
    rf"|[a-z_0-9]+\.py)(?![\w/])"
)
# <name>, {id}, *, …, or a lone X or N stand for any name: not a path to check.
_PLACEHOLDER = re.compile(r"[<{*…]|(?<![A-Za-z])[XN](?![A-Za-z])")
# Paths a tool makes on a person's machine, named in a document as what to commit or look at.
MADE_ELSEWHERE = {"terraform/.terraform.lock.hcl": "terraform init writes it; docs/deploy.md says commit it"}


def _ignored(paths: list[str]) -> set[str]:
    """The paths git ignores (build outputs, an operator's values)."""
    import subprocess

    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=ROOT, input="\n".join(p for path in paths for p in (path, f"{path}/")), capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    return {line.rstrip("/") for line in done.stdout.split()}


def _resolves(named: str, document: Path, basenames: set[str]) -> bool:
    """A path resolves from the repository, from shared/ (a capability's path) or from the document's
    folder, or inside a capability (``services/x.py``) or the functions (``routes/``); ``module.name``
    when ``module.py`` exists; a bare ``name.py`` when a file has that name."""
    path = named.rstrip(".,;:")
    if "/" not in path:
        return path in basenames
    capabilities = [ROOT / "shared" / c for c in _CAPABILITIES]
    for base in (ROOT, ROOT / "shared", ROOT / "functions", *capabilities, document.parent):
        if (base / path).exists():
            return True
        head, _, attribute = path.rpartition(".")
        if attribute.isidentifier() and (base / f"{head}.py").exists():
            return True
    return False


def _decision_text(path: Path) -> str:
    """A record's text without its Context paragraph, which names the tree as it was before."""
    text = _text(path)
    return re.sub(r"\*\*Context\.\*\*.*?(?=\n\n|\*\*Decision)", "", text, flags=re.S)


def code_paths_named(paths: list[Path]) -> dict[str, list[str]]:
    """Document -> the paths to code it names that do not exist (placeholders and what git ignores aside)."""
    basenames = {p.name for p in ROOT.rglob("*") if ".venv" not in p.parts and "node_modules" not in p.parts}
    found: dict[Path, list[str]] = {}
    for path in paths:
        text = _decision_text(path) if path.parent.name == "decisions" else _text(path)
        named = [n for n in _PATH.findall(text) if not _PLACEHOLDER.search(n) and n not in MADE_ELSEWHERE]
        found[path] = [n for n in named if not _resolves(n, path, basenames)]
    ignored = _ignored([n.rstrip(".,;:/") for missing in found.values() for n in missing])
    return {
        str(path.relative_to(ROOT)): bad
        for path, missing in found.items()
        if (bad := [n for n in missing if n.rstrip(".,;:/") not in ignored])
    }


def _superseded() -> set[Path]:
    """The records the index says a later one replaced: history, whose paths may be gone."""
    rows = decision_index() if DECISION_INDEX.exists() else []
    return {DECISIONS_DIR / row.file for row in rows if row.status.startswith("superseded")}


def test_every_path_to_code_the_readmes_and_docs_name_exists() -> None:
    documents = [*READMES, *(d for d in DOCS if d not in _superseded())]
    assert code_paths_named(documents) == {}


def test_the_path_check_finds_a_path_that_is_gone() -> None:
    """The check reads what a document names: a module that moved is found, one that exists is not."""
    doc = ROOT / "docs" / "architecture.md"
    text = "`shared/engine/planning/start.py`, `runs/services/notion_intake.py`, `plan_gate.py`, `shared/gone/x.py`"
    basenames = {p.name for p in (ROOT / "shared").rglob("*.py")}
    named = _PATH.findall(text)
    assert [n for n in named if not _resolves(n, doc, basenames)] == ["plan_gate.py", "shared/gone/x.py"]


DECISIONS_DIR = ROOT / "docs" / "decisions"
DECISION_INDEX = DECISIONS_DIR / "README.md"
_ROW = re.compile(r"^\| \[(\d{4})\]\(((\d{4})-[a-z0-9-]+\.md)\) \| (.+?) \| (.+?) \|$", re.M)
_STATUS = re.compile(
    r"current|(?:amended|superseded) by \d{4}(?:, \d{4})*(?:; amended by \d{4}(?:, \d{4})*)?"
)


class IndexRow(NamedTuple):
    number: str
    file: str
    title: str
    status: str


def decision_index() -> list[IndexRow]:
    return [IndexRow(m[0], m[1], m[3], m[4]) for m in _ROW.findall(_text(DECISION_INDEX))]


def test_the_decision_index_has_a_row_for_every_record_with_its_title_and_a_status() -> None:
    rows = decision_index()
    by_file = {row.file: row for row in rows}
    assert len(by_file) == len(rows), "a record has one row"
    records = {p.name: p for p in DECISIONS if p.name != "README.md"}
    missing = sorted(set(records) - set(by_file))
    assert not missing, f"docs/decisions/README.md has no row for {missing}: add one (its 'Adding a record')"
    gone = sorted(set(by_file) - set(records))
    assert not gone, f"docs/decisions/README.md lists records that do not exist: {gone}"
    for row in rows:
        title = _text(records[row.file]).splitlines()[0].removeprefix(f"# {row.number} — ")
        assert row.title == title.replace("|", "\\|"), f"{row.file}: the row's title is the record's"
        assert _STATUS.fullmatch(row.status), f"{row.file}: status {row.status!r}"
        for later in re.findall(r"\d{4}", row.status):
            assert later > row.number and any(f.startswith(later) for f in records), (
                f"{row.file}: {row.status}: a later record that exists"
            )
    assert [r.number for r in rows] == sorted(r.number for r in rows), "rows in number order"


def test_a_record_that_says_it_replaces_another_is_in_that_record_s_status() -> None:
    """A record's own words ("Supersedes 0058's counting", "Changes the goal of 0060", a title's
    "(superseded by 0055)") and the index agree."""
    status = {row.number: row.status for row in decision_index()}
    for path in DECISIONS:
        number, lines = path.name[:4], _text(path).splitlines()
        for later in re.findall(r"\(superseded by (\d{4})\)", lines[0]):
            assert later in status[number] and status[number].startswith("superseded"), (
                f"{path.name}: its title says superseded by {later}; its index status: {status[number]}"
            )
        for line in lines[1:4]:
            if re.match(r"(Supersedes|Changes|Amends) ", line):
                for earlier in re.findall(r"\b(\d{4})\b", line):
                    assert number in status.get(earlier, ""), (
                        f"{path.name} says '{line}'; the index's status of {earlier}: {status.get(earlier)}"
                    )


def test_the_capability_diagram_is_the_import_graph() -> None:
    from tools.capability_graph import arrows, block_of, drawn

    document, code = block_of(_text(ROOT / "docs" / "architecture.md")), drawn()
    missing, extra = sorted(arrows(code) - arrows(document)), sorted(arrows(document) - arrows(code))
    assert (missing, extra) == ([], []), (
        f"the diagram misses {missing}; it draws {extra}, which the code lacks"
    )
    assert document == code, "run: python -m tools.capability_graph --write docs/architecture.md"


def test_the_diagram_tool_draws_the_imports_it_finds(tmp_path: Path, monkeypatch: object) -> None:
    """An arrow for each import between two capabilities, none for an ignored one: from the code."""
    import sys

    from tools.capability_graph import edges, mermaid

    package = tmp_path / "capmap"
    for name, body in {
        "": "",
        "a": "from capmap.b import thing\n",
        "b": "thing = 1\nfrom capmap.c import port\n",
        "c": "port = 2\n",
    }.items():
        (package / name).mkdir(parents=True, exist_ok=True)
        (package / name / "__init__.py").write_text(body)
    sys.path.insert(0, str(tmp_path))
    try:
        uses = edges("capmap")
        ignoring = edges("capmap", {("capmap.b", "capmap.c")})
    finally:
        sys.path.remove(str(tmp_path))
    assert uses == {"a": {"b"}, "b": {"c"}, "c": set()}
    assert ignoring == {"a": {"b"}, "b": set(), "c": set()}
    assert mermaid(uses, ["a", "b", "c"], {"a": "a: the top"}).splitlines()[2:5] == [
        '  a["a: the top"]',
        '  b["b"]',
        '  c["c"]',
    ]


_STEP = re.compile(r"^\d+\. `([\w/]+\.py)`: (`[\w.]+`(?: → `[\w.]+`)*)", re.M)


def defined_in(module: Path) -> set[str]:
    """The functions and classes a module defines at its top level, and ``Class.method`` of each method."""
    import ast

    names = set()
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names |= {f"{node.name}.{m.name}" for m in node.body if isinstance(m, ast.FunctionDef)}
    return names


def newcomer_steps(text: str) -> list[tuple[str, list[str]]]:
    """(module, the functions named in order) of each numbered step of the newcomer's paths."""
    section = text.split("## A newcomer's paths through the code", 1)[1].split("\n## ", 1)[0]
    return [(path, re.findall(r"`([\w.]+)`", chain)) for path, chain in _STEP.findall(section)]


def test_the_newcomer_paths_name_functions_the_code_defines() -> None:
    steps = newcomer_steps(_text(ROOT / "functions" / "README.md"))
    assert len(steps) >= 15, "both paths, step by step"
    for path, names in steps:
        assert (ROOT / path).exists(), f"functions/README.md names {path}: no such module"
        missing = [n for n in names if n not in defined_in(ROOT / path)]
        assert not missing, f"functions/README.md: {path} defines no {missing}"
    for capability in ("runs", "engine", "code"):
        assert "functions/README.md#a-newcomers-paths-through-the-code" in _text(
            ROOT / "shared" / capability / "README.md"
        ), f"shared/{capability}/README.md points to the newcomer's paths"


def test_the_path_check_finds_a_function_that_moved(tmp_path: Path) -> None:
    text = "## A newcomer's paths through the code\n1. `functions/plan.py`: `plan` → `start_run`: calls\n"
    [(path, names)] = newcomer_steps(text)
    assert [n for n in names if n not in defined_in(ROOT / path)] == ["start_run"]
