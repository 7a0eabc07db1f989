"""The built console (web/dist): light (JavaScript and CSS ≤ 150 KB gzipped in all), hashed asset
names the load balancer may cache for a year, and an index.html with no inline script or style."""

import gzip
import re
from pathlib import Path

from tests.web.browser import Figures
from tests.web.conftest import BUNDLE_LIMIT_KB

DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
HASHED = re.compile(r"^[A-Za-z0-9_]+-[A-Za-z0-9_-]{8,}\.(js|css)$")


def test_the_bundle_is_small_and_its_assets_hashed(figures: Figures) -> None:
    assets = sorted((DIST / "assets").iterdir())
    assert {p.suffix for p in assets} == {".js", ".css"}, [p.name for p in assets]
    assert all(HASHED.match(p.name) for p in assets), [p.name for p in assets]
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in assets)
    figures.bundle_gzip_kb = round(total / 1024, 1)
    assert figures.bundle_gzip_kb <= BUNDLE_LIMIT_KB


def test_index_html_loads_only_its_own_files() -> None:
    html = (DIST / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, "index.html loads no script"
    assert all('src="/assets/' in attrs and not body.strip() for attrs, body in scripts), scripts
    assert "<style" not in html and " style=" not in html
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []
