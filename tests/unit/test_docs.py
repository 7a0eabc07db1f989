"""The documents: a README a newcomer reads in minutes, docs/ that stand alone, and the generated
parts (settings table, api routes, cost figures) in step with the code."""

import re
from pathlib import Path

from shared.platform.config import documented
from tools.settings_table import BEGIN, END, RULES_BEGIN, RULES_END, rules_table, table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").rglob("*.md"))
DECISIONS = sorted((ROOT / "docs" / "decisions").glob("*.md"))
README_MAX_LINES = 150
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
    for path in [ROOT / "README.md", *DOCS]:
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
    for path in [ROOT / "README.md", *DOCS]:
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
    assert numbers == list(range(1, len(numbers) + 1)), "decision numbers run 0001, 0002, … without gaps"


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
