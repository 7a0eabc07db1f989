"""``make check-layout``'s figures (tools/check_layout.py, decision 0144): the classes of the composition
root and GitHub's adapter that inherit from ours, the places a port is spelled, the capabilities with a
README, and the limits that report: a module or folder past its limit fails only when it does not say why."""

import re
from pathlib import Path

import pytest

from tools import check_layout
from tools.check_layout import (
    EXCUSE,
    capability_readmes,
    failures,
    inherited_roots,
    port_spellings,
    readme_sections,
    says_why,
)

ROOT = Path(__file__).resolve().parents[2]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_class_inheriting_one_of_ours_is_counted_one_holding_it_or_an_error_is_not(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "shared/bootstrap/__init__.py": "from shared.bootstrap.parts import Parts\nclass Container(Parts): ...\n",
            "shared/bootstrap/parts.py": (
                "from typing import NamedTuple\nclass Base: ...\nclass Parts(Base): ...\n"
                "class Held(NamedTuple):\n    base: Base\n"
            ),
            "shared/code/adapters/github.py": (
                "from shared.code.adapters.github_rest import GitHubRest\n"
                "from shared.platform.errors import PermanentError\n"
                "class Host(GitHubRest): ...\nclass Composed:\n    def __init__(self, rest: GitHubRest) -> None: ...\n"
                "class GitHubApiError(PermanentError): ...\n"
            ),
            "shared/code/adapters/github_rest.py": "class GitHubRest: ...\n",
            "shared/code/adapters/vercel.py": "from shared.code.adapters.github_rest import GitHubRest\nclass V(GitHubRest): ...\n",
        },
    )
    assert inherited_roots(tmp_path) == [
        "shared/bootstrap/__init__.py:Container",
        "shared/bootstrap/parts.py:Parts",
        "shared/code/adapters/github.py:Host",
    ]


SPELLED_AROUND = {  # a root that spells a port in a Literal, tables, a Built attribute, a builder
    "shared/bootstrap/base.py": (
        'from typing import Literal\nPort = Literal["chat", "store"]\n'
        '_MODULES = {"chat": "a", "store": "b"}\nLIBRARIES = {"chat": ("httpx",)}\n'
    ),
    "shared/bootstrap/notify.py": (
        "class Parts:\n    chat: Built[Chat] = Built()\n    store: Built[Store] = Built('S')\n"
        "    def _build_chat(self) -> Chat: ...\n    other = {'not_a_port': 1}\n"
    ),
}
DECLARED_ONCE = {  # a root of one declaration per port (its adapter, libraries and builder in one row)
    "shared/bootstrap/ports.py": (
        'PORTS = {"chat": Declared("slack", ("slack_sdk",)), "store": Declared("runs", ())}\n'
        'NOT_PORTS = {"timeout": 1}\n'
    ),
}


@pytest.mark.parametrize(
    ("root", "places"), [(SPELLED_AROUND, {"chat": 5, "store": 3}), (DECLARED_ONCE, {"chat": 1, "store": 1})]
)
def test_a_port_is_counted_in_each_place_of_the_root_that_spells_it(
    tmp_path: Path, root: dict[str, str], places: dict[str, int]
) -> None:
    _write(tmp_path, root)
    assert port_spellings(tmp_path) == places


def test_the_capabilities_with_a_readme_are_counted_and_the_others_named(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "shared/notify/__init__.py": "",
            "shared/notify/README.md": "# notify: notifications\n",
            "shared/sync/__init__.py": "",
            "shared/data/notes.txt": "not a package",
            "functions/main.py": "",
        },
    )
    assert capability_readmes(tmp_path) == (1, ["shared/sync", "functions"])


def test_a_module_says_why_it_passes_the_limit_with_a_reason(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "long.py": f'"""The routes\' table.\n\n{EXCUSE} one job, the whole table of routes in one place."""\n',
            "bare.py": f'"""The routes\' table. {EXCUSE}"""\n',
            "silent.py": '"""The routes\' table."""\n',
            "folder/__init__.py": f'"""Sixteen steps. {EXCUSE} each module is one step of the pipeline."""\n',
        },
    )
    assert says_why(tmp_path / "long.py")
    assert not says_why(tmp_path / "bare.py")
    assert not says_why(tmp_path / "silent.py")
    assert says_why(tmp_path / "folder")
    assert not says_why(tmp_path)


def test_only_an_unexcused_module_more_duplicate_pairs_or_a_broken_contract_fail() -> None:
    held = {
        "largest_folder_modules": 18,  # excused or not: decided by the list of those that do not say why
        "largest_module_lines": 640,
        "duplicate_pairs": check_layout.LIMITS["duplicate_pairs"],
        "product_pairs": check_layout.LIMITS["product_pairs"],
        "capability_contract": 1,
        "inherited_roots": 13,
        "port_spellings_max": 5,
        "capability_readmes": 0,
        "readme_sections_missing": 0,
    }
    assert failures(held, []) == []
    assert failures(held, ["shared/x.py"]) == ["over the limit without saying why: shared/x.py"]
    grown = held | {"product_pairs": check_layout.LIMITS["product_pairs"] + 1}
    assert [f.split("=")[0] for f in failures(grown, [])] == ["product_pairs"]
    more = held | {"duplicate_pairs": check_layout.LIMITS["duplicate_pairs"] + 1}
    assert [f.split("=")[0] for f in failures(more, [])] == ["duplicate_pairs"]
    assert [f.split("=")[0] for f in failures(held | {"capability_contract": 0}, [])] == [
        "capability_contract"
    ]
    assert [f.split("=")[0] for f in failures(held | {"readme_sections_missing": 1}, [])] == [
        "readme_sections_missing"
    ]


WHOLE = """# notify: notifications
What it is, in words.

## Entry points
## Lives elsewhere, and why
## Tests
## Recipe: a channel
"""


def test_a_readme_lacking_a_section_is_named_with_what_it_lacks(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "shared/notify/__init__.py": "",
            "shared/notify/README.md": WHOLE,
            "shared/sync/__init__.py": "",
            "shared/sync/README.md": WHOLE.replace("## Recipe: a channel\n", "## Recipes\n").replace(
                "## Tests\n", "Tests: none.\n"
            ),
            "shared/undo/__init__.py": "",
            "shared/undo/README.md": WHOLE.replace("What it is, in words.\n", ""),
            "functions/README.md": WHOLE.replace("## Lives elsewhere, and why", "## Elsewhere"),
        },
    )
    assert readme_sections(tmp_path) == {
        "shared/sync/README.md": ["Tests"],
        "shared/undo/README.md": ["What it is"],
        "functions/README.md": ["Lives elsewhere"],
    }


def test_each_capability_s_readme_has_every_section() -> None:
    assert readme_sections() == {}, "each shared/<capability>/README.md and functions/README.md"


def test_the_result_line_prints_the_figures_computed_from_the_tree(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The figures of this repository, as make check-layout prints them (duplicates and lint-imports,
    slow, are stood in for here: their figures are not the ones under test)."""
    monkeypatch.setattr(check_layout, "duplicate_pairs", lambda: (0, 0, []))
    monkeypatch.setattr(check_layout, "capability_contract", lambda: 1)
    check_layout.main()
    out = capsys.readouterr().out
    result = dict(re.findall(r"(\w+)=(\d+)", out.split("RESULT ", 1)[1].splitlines()[0]))
    assert int(result["inherited_roots"]) == len(inherited_roots())
    assert int(result["port_spellings_max"]) == max(port_spellings().values())
    homes = [p for p in (ROOT / "shared").iterdir() if (p / "__init__.py").exists()]
    assert int(result["capability_readmes"]) == len(homes) + 1, "a README.md per capability and functions/"
    assert capability_readmes()[1] == []


def test_make_test_runs_check_layout() -> None:
    """The limits cannot drift: make test's checks include check-layout (which exits 1 past them)."""
    checks = re.search(r"^TEST_CHECKS := (.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert checks is not None and "check-layout" in checks.group(1).split()
