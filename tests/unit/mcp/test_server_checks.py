"""A remote MCP server's URL and tools checked before anything is kept (shared.mcp.domain.servers):
private, loopback and metadata addresses refused (loopback only with the local setting), and a tool
list that breaks MCP's shapes refused with the reason."""

from typing import Any

import pytest

from shared.mcp.domain.servers import checked_name, checked_tools, checked_url, resolved_problem, server_id

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"q": {"type": "string"}}}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://mcp.example.com/mcp", "https"),
        ("https://10.0.0.7/mcp", "private"),
        ("https://192.168.1.2/mcp", "private"),
        ("https://169.254.169.254/computeMetadata/v1", "metadata"),
        ("https://[::ffff:169.254.169.254]/mcp", "metadata"),
        ("https://127.0.0.1:8765/mcp", "loopback"),
        ("https://[::1]/mcp", "loopback"),
        ("https://user:pw@mcp.example.com/mcp", "no user"),
        ("https://mcp.example.com/mcp?token=x", "query"),
        ("https://exa mple.com/mcp", "host"),
        ("not a url at all", "https"),
    ],
)
def test_a_url_that_could_reach_inside_is_refused(url: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        checked_url(url, allow_loopback=False)


def test_loopback_only_with_the_local_setting_and_never_a_private_address() -> None:
    assert checked_url("http://127.0.0.1:8765/mcp", allow_loopback=True) == (
        "http://127.0.0.1:8765/mcp",
        "127.0.0.1",
    )
    with pytest.raises(ValueError, match="private"):
        checked_url("https://10.0.0.7/mcp", allow_loopback=True)
    assert checked_url("https://mcp.example.com/mcp", allow_loopback=False)[1] == "mcp.example.com"


def test_a_name_resolving_inside_is_refused() -> None:
    assert "private" in resolved_problem("mcp.example.com", ["93.184.215.14", "10.1.2.3"], False)
    assert "link-local" in resolved_problem("metadata.google.internal", ["169.254.169.254"], True)
    assert "does not resolve" in resolved_problem("nowhere.example", [], False)
    assert resolved_problem("mcp.example.com", ["93.184.215.14"], False) == ""
    assert resolved_problem("127.0.0.1", ["127.0.0.1"], True) == ""
    assert resolved_problem("127.0.0.1", ["127.0.0.1"], False) != ""


def test_names_and_ids() -> None:
    assert checked_name(" Team CRM ") == "Team CRM" and server_id("Team CRM") == "team-crm"
    with pytest.raises(ValueError, match="name"):
        checked_name("<script>")


def test_tools_are_kept_with_what_their_annotations_say() -> None:
    tools = checked_tools(
        [
            {
                "name": "find",
                "description": "Find.",
                "inputSchema": SCHEMA,
                "annotations": {"readOnlyHint": True},
            },
            {"name": "write", "inputSchema": SCHEMA, "annotations": {"idempotentHint": True}},
        ]
    )
    assert [(t.name, t.read_only, t.idempotent) for t in tools] == [
        ("find", True, False),
        ("write", False, True),
    ]
    long = checked_tools([{"name": "x", "description": "d" * 9000, "inputSchema": SCHEMA}])
    assert len(long[0].description) == 2000


@pytest.mark.parametrize(
    ("listed", "words"),
    [
        ({"tools": []}, "not a list"),
        (["find"], "not an object"),
        ([{"name": "bad name!", "inputSchema": SCHEMA}], "name must be"),
        ([{"name": "x", "inputSchema": {"type": "string"}}], "type object"),
        ([{"name": "x"}], "type object"),
        ([{"name": "x", "inputSchema": {"type": "object", "properties": 5}}], "not valid JSON Schema"),
        ([{"name": "x", "inputSchema": SCHEMA, "description": 3}], "description is not text"),
        ([{"name": "x", "inputSchema": SCHEMA}, {"name": "x", "inputSchema": SCHEMA}], "twice"),
        ([{"name": f"t{n}", "inputSchema": SCHEMA} for n in range(101)], "at most 100"),
        ([{"name": "x", "inputSchema": SCHEMA | {"description": "y" * 30_000}}], "bytes"),
    ],
)
def test_garbage_is_refused_with_the_reason(listed: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        checked_tools(listed)
