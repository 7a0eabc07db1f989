"""The secret scan of a change before any push (issue 68, point 4): Yelp's ``detect-secrets``, every
plugin of its release and its default filters (decision 0095 says why).

In process, no network: each file is scanned at its own relative path in a private temporary
directory, as the scanner's filters read the file name (a lock file's hashes are not secrets).
The scanner keeps its settings in module globals, so scans take turns (a lock). A finding comes
back as its kind, file and line, never the value. The scanner is imported with this module, not in
the first scan: that would lengthen a step's first code call, inside its intent's lease."""

import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

from detect_secrets.core.scan import scan_file
from detect_secrets.settings import default_settings

from shared.code.domain.policy import SecretFinding

PULL_REQUEST_TEXT = "(pull request title, description and commit message)"
_TEXT_FILE = "pull-request-text.txt"
_lock = threading.Lock()


def scan(files: Mapping[str, str], text: str = "") -> list[SecretFinding]:
    """The secrets in ``files`` (relative path → content) and in ``text`` (the pull request's title,
    description and commit message, reported as :data:`PULL_REQUEST_TEXT`), in path and line order.
    Paths are the change's checked ones (``shared.code.domain.code.check_path``)."""
    found: set[SecretFinding] = set()
    with _lock, tempfile.TemporaryDirectory(prefix="scan-") as root:
        named = {path: Path(root, "tree", path) for path in files}
        if text:
            named[PULL_REQUEST_TEXT] = Path(root, _TEXT_FILE)
        for path, where in named.items():
            where.parent.mkdir(parents=True, exist_ok=True)
            where.write_text(files.get(path, text), encoding="utf-8")
        with default_settings():
            for path, where in named.items():
                for secret in scan_file(str(where)):
                    found.add(SecretFinding(secret.type, path, int(secret.line_number)))
    return sorted(found, key=lambda f: (f.path, f.line, f.kind))
