"""The console is built on a Node.js release line that is still supported: the node mk/web.mk runs
the build and type-check with, its pin in web/package.json, its `engines`, and the pipeline's image
(docs/decisions/0052-the-console-builds-on-a-pinned-node-lts.md)."""

import json
import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
# Node.js's release schedule: the long-term-support lines and the day each reaches its end of life.
# Node 20's was 2026-04-30; odd lines are never LTS. A line past its date fails the tests below.
LTS_END_OF_LIFE = {22: date(2027, 4, 30), 24: date(2028, 4, 30)}


def supported(major: int) -> bool:
    end = LTS_END_OF_LIFE.get(major)
    return end is not None and datetime.now(UTC).date() < end


def test_the_node_the_console_builds_on_is_a_supported_lts() -> None:
    """`make web-node` runs node as `make web` runs the build: from web/, the pinned one first."""
    ran = subprocess.run(
        ["make", "-s", "--no-print-directory", "web-node"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    path, version = ran.stdout.split()
    assert Path(path).is_relative_to(ROOT / "web" / "node_modules"), f"not the pinned node: {path}"
    assert supported(int(version.split(".")[0])), f"Node.js {version} is not a supported LTS"
    package = json.loads((ROOT / "web" / "package.json").read_text())
    assert package["devDependencies"]["node"] == version, "the node run is the one web/package.json pins"


def test_the_pin_the_engines_and_the_makefiles_guard_name_supported_lines() -> None:
    package = json.loads((ROOT / "web" / "package.json").read_text())
    pinned = package["devDependencies"]["node"]
    engines = re.fullmatch(r"\^(\d+)\.(\d+)\.(\d+)", package["engines"]["node"])
    assert engines, "engines.node: ^<an LTS release of the pinned line>"
    assert int(pinned.split(".")[0]) == int(engines.group(1)) and supported(int(engines.group(1)))
    guard = re.search(r"^NODE_LTS := ([\d ]+)$", (ROOT / "mk" / "web.mk").read_text(), re.M)
    assert guard and all(supported(int(line)) for line in guard.group(1).split()), "mk/web.mk NODE_LTS"


def test_the_pipeline_installs_the_console_with_the_pinned_node() -> None:
    """The deploy build's console step runs npm ci in an image of the same Node.js release."""
    build = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    [console] = [step for step in build["steps"] if step["id"] == "console"]
    pinned = json.loads((ROOT / "web" / "package.json").read_text())["devDependencies"]["node"]
    assert console["name"].startswith(f"node:{pinned}-"), console["name"]
