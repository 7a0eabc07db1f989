"""tools/install_uv.sh: the Cloud Build pipelines take uv from its PyPI wheel pinned by sha256 (no
image pinned by tag alone); a wheel that does not match is refused and nothing is installed."""

import hashlib
import re
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tools" / "install_uv.sh"


def _wheel(path: Path) -> str:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("uv-9.9.9.data/scripts/uv", "#!/bin/sh\necho uv 9.9.9\n")
        archive.writestr("uv/__init__.py", "")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _install(dest: Path, url: str, sha256: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), str(dest), url, sha256], capture_output=True, text=True, check=False
    )


def test_the_wheel_matching_its_sha256_installs_an_executable_uv(tmp_path: Path) -> None:
    wheel = tmp_path / "uv.whl"
    digest = _wheel(wheel)
    done = _install(tmp_path / "bin", wheel.as_uri(), digest)
    assert done.returncode == 0, done.stderr
    ran = subprocess.run([str(tmp_path / "bin" / "uv")], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "uv 9.9.9"


def test_a_wheel_that_does_not_match_is_refused_and_nothing_installed(tmp_path: Path) -> None:
    wheel = tmp_path / "uv.whl"
    _wheel(wheel)
    done = _install(tmp_path / "bin", wheel.as_uri(), "0" * 64)
    assert done.returncode == 1
    assert "does not have the pinned sha256: nothing installed" in done.stderr
    assert not (tmp_path / "bin").exists()


def test_the_pinned_wheel_is_the_makefiles_uv_and_both_builds_use_the_script() -> None:
    script = SCRIPT.read_text()
    version = re.search(r"^UV_VERSION=(\S+)$", script, re.M)
    makefile = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert version and makefile and version.group(1) == makefile.group(1)
    assert re.search(r"^UV_WHEEL_SHA256=[0-9a-f]{64}$", script, re.M)
    assert "uv-${UV_VERSION}-py3-none-manylinux_2_17_x86_64" in script
    for build in ("cloudbuild.yaml", "cloudbuild-eval.yaml"):
        text = (ROOT / build).read_text()
        assert "args: ['tools/install_uv.sh', '/workspace/.bin']" in text, build
        assert "astral-sh/uv" not in text, build
