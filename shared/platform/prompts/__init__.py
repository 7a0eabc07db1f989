"""Prompts are versioned files in this package (factor 2): ``<name>.<version>.md``.

``VERSION`` is recorded on every run it plans, so a run can always be traced to the prompt text
that produced it. A new wording is a new file and a new version, never an edit in place.
"""

from functools import cache
from pathlib import Path
from string import Template

VERSION = "v3"
_DIR = Path(__file__).parent


@cache
def template(name: str, version: str = VERSION) -> Template:
    return Template((_DIR / f"{name}.{version}.md").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    system = template("system").template.strip()
    return template(name).safe_substitute({"system": system} | {k: str(v) for k, v in values.items()})
