"""A diff as the console renders it: the highlighter (web/src/highlight.tsx, built with
the console's own esbuild and run in its node) takes an apostrophe for a word, not a string's start,
and Markdown's quotes for prose; the built stylesheet keeps a line number from 10 up on one line of
the gutter, in Chromium at 390 px."""

import json
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser

WEB = Path(__file__).resolve().parents[3] / "web"
# Each case: a line, its language, and the tokens the highlighter must make of it (class, text).
CASES = [
    ("# it's the user's plan", "markdown", []),
    ('Say "hello" to Ada', "markdown", []),
    ("x = 'a' + \"b\"", "python", [("tok-string", "'a'"), ("tok-string", '"b"')]),
    ("print(f'{n} rows')", "python", [("tok-string", "f'{n} rows'")]),
    ("s = \"don't\"  # it's fine", "python", [("tok-string", '"don\'t"'), ("tok-comment", "# it's fine")]),
    ("const who = Ada's + 1;", "typescript", [("tok-keyword", "const"), ("tok-number", "1")]),
    ("if it's 10 then", "shell", [("tok-keyword", "if"), ("tok-number", "10"), ("tok-keyword", "then")]),
]
RUNNER = """
import { highlight } from "./highlight.mjs";
const cases = JSON.parse(process.argv[2]);
const out = cases.map(([text, language]) =>
  highlight(text, language).filter((t) => typeof t !== "string").map((t) => [t.props.class, t.props.children]));
console.log(JSON.stringify(out));
"""


def test_apostrophes_are_words_and_markdown_has_no_strings(tmp_path: Path) -> None:
    subprocess.run(
        [
            str(WEB / "node_modules" / ".bin" / "esbuild"),
            str(WEB / "src" / "highlight.tsx"),
            "--bundle",
            "--format=esm",
            "--platform=node",
            "--jsx=automatic",
            "--jsx-import-source=preact",
            f"--outfile={tmp_path / 'highlight.mjs'}",
            "--log-level=warning",
        ],
        cwd=WEB,
        check=True,
    )
    (tmp_path / "run.mjs").write_text(RUNNER)
    cases = [[text, language] for text, language, _ in CASES]
    ran = subprocess.run(
        ["node", "run.mjs", json.dumps(cases)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={
            "NODE_PATH": str(WEB / "node_modules"),
            "PATH": f"{WEB / 'node_modules' / '.bin'}:/usr/bin:/bin",
        },
    )
    got = json.loads(ran.stdout)
    for (text, language, want), tokens in zip(CASES, got, strict=True):
        assert [tuple(t) for t in tokens] == want, (text, language, tokens)


@pytest.mark.e2e
def test_a_line_number_from_10_up_stays_on_one_line_of_the_gutter(browser: Browser) -> None:
    """On the session's browser (tests/web/conftest.py): a second sync Playwright in one process fails."""
    css = next((WEB / "dist" / "assets").glob("*.css")).read_text()
    row = (
        '<tr class="add"><td class="num">{n}</td><td class="num">{n}</td><td class="op">+</td>'
        "<td>" + "const value = compute(alpha, beta, gamma, delta); " * 4 + "</td></tr>"
    )
    rows = "".join(row.format(n=n) for n in (9, 10, 1234))
    html = f'<style>{css}</style><div class="diff-scroll"><table class="diff"><tbody>{rows}</tbody></table></div>'
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.set_content(html)
        heights = page.evaluate(
            "() => [...document.querySelectorAll('td.num')].map(td => { const r = document.createRange();"
            " r.selectNodeContents(td); return r.getClientRects().length; })"
        )
    finally:
        page.close()
    assert heights == [1] * 6, heights  # each number one line box: never wrapped digit by digit
