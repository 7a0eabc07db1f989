"""One way to call Notion for a tenant: ``TenantNotion``, the one declaration of Notion's calls, which
take no token (the engine supplies the tenant's; ``NotionClient.with_token`` binds one). No call in
the code passes a token of its own that is then ignored: no Notion method is called with a literal ""
where the old proxy took its token."""

import ast
import inspect
from pathlib import Path

from shared.notion.adapters.notion import NotionApi
from shared.notion.ports import NotionClient, TenantNotion

ROOT = Path(__file__).resolve().parents[3]
NOTION_METHODS = {n for n in vars(TenantNotion) if not n.startswith("_")}


def test_the_notion_port_is_declared_once_and_the_adapter_implements_it() -> None:
    """NotionClient only binds a token; the adapter's calls are the port's, parameter for parameter."""
    assert {n for n in vars(NotionClient) if not n.startswith("_")} == {"with_token"}
    assert "token" not in TenantNotion.retrieve_page.__code__.co_varnames
    assert {n for n in vars(NotionApi) if not n.startswith("_")} == NOTION_METHODS | {"with_token"}
    for name in NOTION_METHODS:
        ours, port = (
            inspect.signature(getattr(NotionApi, name)),
            inspect.signature(getattr(TenantNotion, name)),
        )
        assert list(ours.parameters) == list(port.parameters), name


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
