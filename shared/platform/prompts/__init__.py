"""Prompts are versioned files in this package (factor 2): ``<name>.<version>.md``.

The version used is :func:`active`: ``NA_PROMPT_VERSION`` when set, else ``VERSION``, the newest. It
is recorded on every run it plans, so a run can always be traced to the prompt text that produced it.
A new wording is a new file and a new version, never an edit in place.
"""

from functools import cache
from pathlib import Path
from string import Template

from shared.platform.config import get_settings

VERSION = "v3"
_DIR = Path(__file__).parent


def active() -> str:
    """The version model calls are written with: the setting's (``prompt_version``), else the newest."""
    return get_settings().prompt_version or VERSION


@cache
def template(name: str, version: str = VERSION) -> Template:
    return Template((_DIR / f"{name}.{version}.md").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """The prompt ``name`` of the :func:`active` version with ``values`` (and the system prompt)."""
    version = active()
    system = template("system", version).template.strip()
    return template(name, version).safe_substitute(
        {"system": system} | {k: str(v) for k, v in values.items()}
    )
