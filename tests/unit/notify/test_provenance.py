"""The agent's signature (decision 0124): the key in a link, never in text a person reads, and the
lookups that find a write by it, new form and the visible one written before it."""

from typing import Any

import pytest

from shared.notify.domain.provenance import (
    Mark,
    key_of_url,
    mark_of,
    marker_url,
    signature_items,
    signed,
    unsigned,
    without_signatures,
)

KEY = "a1b2c3d4e5-run/1:2:1"  # a step key (``tenant tag-run:step:call``) with a slash, as a run id may hold


def answered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Request items as Notion answers them: with ``plain_text`` and ``href``."""
    return [
        i | {"plain_text": i["text"]["content"], "href": (i["text"]["link"] or {}).get("url")} for i in items
    ]


def text(content: str, url: str | None = None) -> dict[str, Any]:
    return {"type": "text", "text": {"content": content, "link": {"url": url} if url else None}}


@pytest.mark.parametrize(
    "console", ["https://app.example", "https://app.example/", "https://app.example/#/runs"]
)
def test_the_link_is_the_runs_page_in_the_console_and_gives_the_key_back(console: str) -> None:
    url = marker_url(console, KEY, "run/1")
    assert url == "https://app.example/?ref=a1b2c3d4e5-run%2F1%3A2%3A1#/runs/run%2F1"
    assert key_of_url(url) == KEY
    assert key_of_url(marker_url("", "day-plan-20260107")) == "day-plan-20260107"  # the local console's
    assert marker_url("", "k").startswith("http://127.0.0.1:3000/?ref=k")


@pytest.mark.parametrize("url", [None, "", "https://app.example/#/runs/r1", "https://x.example/?reference=k"])
def test_another_link_carries_no_key(url: str | None) -> None:
    assert key_of_url(url) is None


def test_a_signature_reads_notion_agent_and_is_found_by_its_link_in_request_and_answer_form() -> None:
    url = marker_url("https://app.example", KEY, "run/1")
    for items in (signature_items(url), answered(signature_items(url))):
        assert "".join(i["text"]["content"] for i in items) == "Notion Agent"
        assert mark_of(items) == Mark(KEY, writing=False)
    writing = answered(signature_items(url, writing=True))
    assert [i["plain_text"] for i in writing] == ["Notion Agent", " (writing)"]
    assert mark_of(writing) == Mark(KEY, writing=True)


def test_the_visible_marker_written_before_0124_is_still_a_signature() -> None:
    assert mark_of([text(f"Notion Agent · ref {KEY}")]) == Mark(KEY)
    assert mark_of([text(f"Notion Agent · ref {KEY} (writing)")]) == Mark(KEY, writing=True)


@pytest.mark.parametrize(
    "items",
    [
        [text("Notion Agent", "https://app.example/#/runs/r1")],  # a person's link to a run: no key
        [text("see Notion Agent", marker_url("https://app.example", KEY))],  # more than the signature
        [text("Notion Agent")],
        [],
        None,
    ],
)
def test_anything_else_is_no_signature(items: list[dict[str, Any]] | None) -> None:
    assert mark_of(items) is None


def test_a_comment_is_signed_by_its_link_or_by_an_old_visible_last_line() -> None:
    url = marker_url("https://app.example", KEY, "run/1")
    comment = answered([text("Done.\n"), *signature_items(url)])
    assert signed(comment, [KEY]) and not signed(comment, ["other-key"])
    assert signed([text(f"Done.\nNotion Agent · ref {KEY}\n")], [KEY])
    old = ("Notion Agent · ref t/n1", "Notion Agent · ref n1")
    assert signed([text("Done.\nNotion Agent · ref n1")], ["t/n1"], old)
    assert not signed([text("Done.\nNotion Agent · ref n2")], ["t/n1"], old)
    assert not signed([text(f"Quoting Notion Agent · ref {KEY} in the middle.")], [KEY])


def test_a_pages_markdown_loses_its_signature_lines_and_keeps_the_rest() -> None:
    url = marker_url("https://app.example", KEY, "r1")
    page = "\n".join([
        "# Plan",
        f'[*Notion Agent*]({url}) {{color="gray"}}',
        "The launch is on Friday.",
        f"[*Notion Agent*]({url})* \\(writing\\)*",
        "*Notion Agent · ref a1b2c3d4e5\\-r1:2:1*",
        "Notion Agent · ref a1b2c3d4e5-r1:3:1",
        "Ask [*Notion Agent*](https://docs.example/agent) for help.",
    ])  # fmt: skip
    kept = without_signatures(page)
    assert (
        kept == "# Plan\nThe launch is on Friday.\nAsk [*Notion Agent*](https://docs.example/agent) for help."
    )
    assert "ref" not in kept.replace("docs.example", "")


def test_an_answer_loses_its_trailing_signature() -> None:
    assert unsigned("Three tiers. Notion Agent") == "Three tiers."
    assert unsigned("Three tiers.\nNotion Agent · ref a1/n1") == "Three tiers."
    assert unsigned("Ask Notion Agent about it.") == "Ask Notion Agent about it."
