"""Build the source archive Cloud Functions receives: ``python tools/package.py --uv .tools/bin/uv``.

The archive holds ``main.py`` at its root (a copy of ``functions/main.py``), ``functions/``, ``shared/``
and ``requirements.txt`` exported from ``uv.lock`` without the dev group, pinned with hashes (pip, which
the Python buildpack runs, switches to hash-checking mode on its own when it sees them).

It is reproducible: entries are sorted, every timestamp is 1980-01-01, permissions are fixed and the
compression level is pinned, so the same source gives the same bytes (given the same zlib) and the
hash-named object in Terraform changes only with the code. Caches, tests, hidden files and anything that looks like a
credential are left out; the local stack (``local/``) is never packaged.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("functions", "shared")
ENTRY = ("main.py", "functions/main.py")
REQUIREMENTS = "requirements.txt"
DEFAULT_OUT = ROOT / "build" / "function-source.zip"

_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", "tests", "test"}
_SKIP_SUFFIXES = {".pyc", ".pyo", ".pem", ".key", ".p12", ".pfx", ".crt", ".der", ".log", ".sqlite"}
_SKIP_NAMES = {
    "secrets.json",
    "credentials.json",
    "service-account.json",
    "application_default_credentials.json",
}
_HEADER = (
    "# Exported from uv.lock by tools/package.py (uv export --frozen --no-dev --no-emit-project).\n"
    "# Do not edit: change pyproject.toml, run `uv lock`, then `make package`.\n"
)


def _skipped(path: Path) -> bool:
    name = path.name
    return (
        name.startswith(".")
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or path.suffix in _SKIP_SUFFIXES
        or name in _SKIP_NAMES
        or name.startswith(".env")
    )


def source_files(root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """(name in the archive, file on disk) for every packaged source file, sorted by name."""
    found: dict[str, Path] = {ENTRY[0]: root / ENTRY[1]}
    for package in PACKAGES:
        for dirpath, dirnames, filenames in os.walk(root / package):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
            for filename in filenames:
                path = Path(dirpath, filename)
                if not _skipped(path):
                    found[path.relative_to(root).as_posix()] = path
    yield from sorted(found.items())


def export_requirements(uv: str, root: Path = ROOT) -> bytes:
    """The runtime dependencies of ``uv.lock`` as a pinned, hashed requirements.txt."""
    command = [uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-header", "--quiet"]
    result = subprocess.run(command, cwd=root, check=True, capture_output=True)
    return _HEADER.encode() + result.stdout


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.create_system = 3  # Unix, so the permission bits below are honoured the same everywhere
    info.external_attr = (0o100644 & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build(out: Path, uv: str, root: Path = ROOT) -> str:
    """Write the archive to ``out`` (atomically) and return its sha256."""
    entries = [(name, path.read_bytes()) for name, path in source_files(root)]
    entries.append((REQUIREMENTS, export_requirements(uv, root)))
    entries.sort(key=lambda entry: entry[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries:
            archive.writestr(_entry(name), data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    partial.replace(out)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", default=str(ROOT / ".tools" / "bin" / "uv"), help="the uv executable")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the archive")
    args = parser.parse_args(argv)
    try:
        digest = build(args.out, args.uv)
    except FileNotFoundError as exc:
        print(f"package: {exc.filename} not found (run `make venv` first)", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"package: `uv export` failed:\n{exc.stderr.decode(errors='replace')}", file=sys.stderr)
        return 1
    print(f"{args.out} sha256={digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
