"""One way to call Notion for a tenant: ``TenantNotion``, whose calls take no token (the engine
supplies the tenant's). No call in the code passes a token of its own that is then ignored: no Notion
method is called with a literal "" where the old proxy took its token."""

import ast
from pathlib import Path

from shared.ports import Notion, TenantNotion

ROOT = Path(__file__).resolve().parents[2]
NOTION_METHODS = {n for n in vars(Notion) if not n.startswith("_")}


def test_the_tenant_port_has_the_notion_calls_without_the_token() -> None:
    assert {n for n in vars(TenantNotion) if not n.startswith("_")} == NOTION_METHODS
    assert "token" not in TenantNotion.retrieve_page.__code__.co_varnames
    assert "token" in Notion.retrieve_page.__code__.co_varnames


def _empty_token_calls(source: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in NOTION_METHODS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == ""
    ]


def test_the_check_sees_an_empty_token() -> None:
    assert _empty_token_calls('notion.retrieve_page("", page_id)\nnotion.retrieve_page(page_id)') == [1]


def test_no_notion_call_passes_an_empty_token() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("shared", "functions", "local", "tools", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line in _empty_token_calls(path.read_text(encoding="utf-8"))
    ]
    assert found == []
