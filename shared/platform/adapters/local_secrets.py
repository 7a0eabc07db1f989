"""Secrets from a local JSON file ({name: value}), for the local stack only. Values are masked in logs."""

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.platform.errors import NotFound
from shared.platform.logs import register_secret


class LocalFileSecrets:
    """Re-reads the file only when it changed (its stat), as Secret Manager's adapter caches: other
    local functions write it (a new tenant's token) and a reader must see that at once."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)
        self._seen: tuple[int, int, int] | None = None
        self._data: dict[str, str] = {}

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Several local functions share the file: writers take an exclusive lock on a side file."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _load(self) -> dict[str, str]:
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            return {}
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # the file is replaced whole on write
        if seen != self._seen:
            data: dict[str, str] = json.loads(self._path.read_text())
            for value in data.values():
                register_secret(value)
            self._seen, self._data = seen, data
        return dict(self._data)

    def _save(self, data: dict[str, str]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".secrets-")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self._path)

    def get(self, name: str, fresh: bool = False) -> str:
        """Read from the file every time (``fresh`` changes nothing: there is no cache)."""
        value = self._load().get(name)
        if value is None:
            raise NotFound(f"secret {name} is not in {self._path}")
        return value

    def put(self, name: str, value: str, *, create: bool = True) -> None:
        register_secret(value)
        with self._locked():
            data = self._load()
            if not create and name not in data:
                raise NotFound(f"secret {name} is not in {self._path}")
            data[name] = value
            self._save(data)

    def delete(self, name: str) -> None:
        with self._locked():
            data = self._load()
            if data.pop(name, None) is not None:
                self._save(data)
