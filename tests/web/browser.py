"""Debian's headless Chromium driven by Playwright (``executable_path``: no browser build can be
downloaded here), and :class:`Console`, a person at the console using the keyboard alone: each screen
is checked by axe-core (injected through the DevTools protocol, so the page's CSP still holds) and
photographed under ``build/screenshots/``."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
type Role = Literal["button", "link", "checkbox", "textbox", "spinbutton", "combobox", "searchbox"]
TAB_LIMIT = 200  # presses of Tab before a control counts as unreachable by keyboard


# The stack's Notion pacing off: the browser and schemathesis reach the sandbox far faster than Notion's
# 3 a second, and a busy moment is no 503 (which not_a_server_error would count). Nor the api's pace per
# person: schemathesis sends thousands of requests as one person, which reach their handlers, not a 429.
FAST_NOTION = {
    "NA_NOTION_RATE_PER_S": "1000",
    "NA_NOTION_BURST": "1000",
    "NA_API_PERSON_PER_MIN": "600000",
    "NA_API_KEY_PER_MIN": "600000",
    "NA_API_BURST": "10000",
}


def chromium_path() -> str:
    """NA_CHROMIUM, else Debian's chromium-headless-shell (make web-check installs it when missing:
    decision 0232), else its full chromium."""
    path = (
        os.environ.get("NA_CHROMIUM")
        or shutil.which("chromium-headless-shell")
        or shutil.which("chromium")
        or "/usr/bin/chromium-headless-shell"
    )
    if not Path(path).exists():
        raise RuntimeError(
            f"no Chromium at {path}: run `make headless-chromium` (Debian's chromium-headless-shell)"
        )
    return path


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)


@dataclass
class Figures:
    """What the web suite measured: its RESULT line's figures."""

    flows_passed: int = 0
    flows_failed: int = 0
    axe_serious: int = 0
    schemathesis_failures: int | None = None
    schemathesis_checks: str | None = (
        None  # "all": every check schemathesis ships ran, else those that did not
    )
    schemathesis_gaps: int | None = None  # failures of its known gaps (GAPS), not yet fixed
    stateful: int | None = None  # 1: schemathesis' stateful phase ran and reached operations by links
    bundle_gzip_kb: float | None = None
    phone_overflow: int | None = None  # elements wider than a 390 px screen, over every screen measured
    person_flows: int = 0  # flows marked person_flow that passed (tests/web/conftest.py)
    person_flows_failed: int = 0
    screens: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # a part's own report, printed at the session's end

    def add(self, other: dict[str, Any]) -> None:
        """Add what another process measured (``dataclasses.asdict`` of its figures, from a
        pytest-xdist worker): counts sum, a figure measured once is taken, lists join."""
        for name, value in other.items():
            mine = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, list):
                mine.extend(value)
            elif isinstance(value, int | float) and not isinstance(value, bool) and mine is not None:
                setattr(self, name, mine + value if name != "stateful" else min(mine, value))
            else:
                setattr(self, name, value)


class Console:
    """One browser tab on the console: keyboard-only actions, and each screen checked and shot."""

    def __init__(self, page: Page, origin: str, figures: Figures) -> None:
        self.page, self.origin, self.figures = page, origin, figures
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console_message)

    def _console_message(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def open(self, path: str = "/") -> None:
        self.page.goto(self.origin + path)

    def reach(self, role: Role, name: str, exact: bool = False) -> None:
        """Move the focus by Tab (and Shift+Tab) until the control ``role`` named ``name`` has it."""
        target = self.page.get_by_role(role, name=name, exact=exact).first
        expect(target).to_be_visible()
        for key in ("Tab", "Shift+Tab"):
            for _ in range(TAB_LIMIT):
                if target.evaluate("el => el === document.activeElement"):
                    return
                self.page.keyboard.press(key)
        raise AssertionError(f"the {role} {name!r} cannot be reached with the keyboard")

    def press(self, role: Role, name: str, exact: bool = False) -> None:
        """Reach a button or a link by keyboard and press Enter."""
        self.reach(role, name, exact)
        self.page.keyboard.press("Enter")

    def tick(self, name: str, on: bool = True) -> None:
        """Reach a checkbox by keyboard and set it with Space."""
        box = self.page.get_by_role("checkbox", name=name).first
        self.reach("checkbox", name)
        if box.is_checked() != on:
            self.page.keyboard.press("Space")
        expect(box).to_be_checked(checked=on)

    def fill(self, label: str, text: str) -> None:
        """Reach a text field by keyboard, select what it holds and type ``text``."""
        expect(self.page.get_by_label(label).first).to_be_visible()
        roles: tuple[Role, ...] = ("textbox", "searchbox", "spinbutton")
        self.reach(next((r for r in roles if self._is(r, label)), "textbox"), label)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        if text:
            self.page.keyboard.type(text)

    def choose(self, label: str, option: str) -> None:
        """Reach a select by keyboard and move its choice with the arrow keys to ``option``."""
        self.reach("combobox", label)
        select = self.page.get_by_role("combobox", name=label).first
        labels: list[str] = select.evaluate("el => [...el.options].map(o => o.label)")
        target, now = labels.index(option), select.evaluate("el => el.selectedIndex")
        value = select.evaluate(f"el => el.options[{target}].value")  # the list may change once chosen
        for _ in range(abs(target - now)):
            self.page.keyboard.press("ArrowDown" if target > now else "ArrowUp")
        expect(select).to_have_value(value)

    def _is(self, role: Role, name: str) -> bool:
        return self.page.get_by_role(role, name=name).count() > 0

    def screen(self, name: str, heading: str) -> None:
        """The screen whose h1 is ``heading``: axe finds no serious or critical violation; shot."""
        expect(self.page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        found = axe(self.page)
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        self.figures.axe_serious += len(serious)
        self.figures.violations += [f"{name}: {v['id']} ({v['impact']}) {v['help']}" for v in serious]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        self.figures.screens.append(name)

    def overflowing(self) -> list[str]:
        """The elements that reach past the viewport's sides (what would scroll the page sideways),
        but those hidden on purpose (a visually hidden caption, the skip link off screen)."""
        found: list[str] = self.page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                return [...document.querySelectorAll('body *')]
                    .filter(e => !e.closest('.visually-hidden, .skip, thead'))
                    .filter(e => { const r = e.getBoundingClientRect();
                                   return r.width > 0 && (r.right > width + 1 || r.left < -1); })
                    .map(e => `${e.tagName.toLowerCase()}.${e.className} "${(e.textContent || '').slice(0, 40)}"`);
            }"""
        )
        return found

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """A request from the page's own script, as the console makes it (cookie, CSRF token)."""
        answer: tuple[int, Any] = self.page.evaluate(
            """async ([method, path, body]) => {
                const me = await fetch('/api/session', {credentials: 'same-origin'});
                const token = me.ok ? (await me.json()).csrf_token : '';
                const r = await fetch('/api' + path, {method, credentials: 'same-origin',
                    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token},
                    body: body === null ? undefined : JSON.stringify(body)});
                const text = await r.text();
                return [r.status, text ? JSON.parse(text) : null];
            }""",
            [method, path, body],
        )
        return answer

    def other_hosts(self) -> list[str]:
        """Every URL this tab requested of a host other than the console's (none may be third-party)."""
        own = urlsplit(self.origin).netloc
        return sorted(
            {
                u
                for u in self.requests
                if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != own
            }
        )


def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is (WCAG 2 A and AA rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations"""
    )
    return violations


@contextmanager
def console_tab(browser: Browser, origin: str, figures: Figures) -> Iterator[Console]:
    """A tab on the console at ``origin`` in a browser context of its own (1200 by 900 pixels, 15 s a step),
    closed after: a module's flows share it."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield Console(context.new_page(), origin, figures)
    finally:
        context.close()
