"""Every document of a Firestore database, found by walking it (no list of collections kept here), and
the emulator's own export, import and wipe: what the restore drill and the erasure test look with.

:func:`documents` lists the root's collections, each collection's documents with
``list_documents()`` (which asks Firestore with ``show_missing``: a document deleted while its
subcollections remain is still walked into) and each document's subcollections, and encodes each document's fields as Firestore's
own protocol buffer, serialised deterministically: two encodings are equal exactly when the fields are.
"""

import json
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

_BATCH = 300  # documents read per get_all


def client(host: str, project: str) -> Any:
    """A client of the Firestore emulator at ``host`` (the variable is how the library finds it)."""
    import os

    from google.cloud import firestore

    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    return firestore.Client(project=project)


def encoded(fields: dict[str, Any]) -> bytes:
    """``fields`` as the bytes of Firestore's ``Document`` message (map keys sorted)."""
    from google.cloud.firestore_v1 import _helpers
    from google.cloud.firestore_v1.types import Document

    message = Document(fields=_helpers.encode_dict(fields))
    serialized: bytes = Document.pb(message).SerializeToString(deterministic=True)
    return serialized


def _references(collections: Iterable[Any]) -> Iterator[Any]:
    """Every document reference under ``collections``, missing ones (with subcollections) included."""
    for collection in collections:
        for ref in collection.list_documents():  # with show_missing, always, in this client
            yield ref
            yield from _references(ref.collections())


def documents(db: Any) -> dict[str, bytes]:
    """Path -> :func:`encoded` fields of every document that exists in ``db``, at any depth."""
    found: dict[str, bytes] = {}
    refs = list(_references(db.collections()))
    for start in range(0, len(refs), _BATCH):
        for snap in db.get_all(refs[start : start + _BATCH]):
            if snap.exists:
                found[snap.reference.path] = encoded(snap.to_dict() or {})
    return found


class Emulator:
    """The Firestore emulator's administrative REST calls for one project's ``(default)`` database."""

    def __init__(self, host: str, project: str) -> None:
        self.base = f"http://{host}/emulator/v1/projects/{project}"
        self.database = f"projects/{project}/databases/(default)"

    def _call(self, method: str, url: str, body: dict[str, str] | None = None) -> None:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        urllib.request.urlopen(request, timeout=120).close()

    def export(self, directory: Path) -> Path:
        """Export every document under ``directory`` (made if missing); the export's metadata file."""
        directory.mkdir(parents=True, exist_ok=True)
        before = set(directory.glob("*/*.overall_export_metadata"))
        self._call(
            "POST", self.base + ":export", {"database": self.database, "export_directory": str(directory)}
        )
        made = set(directory.glob("*/*.overall_export_metadata")) - before
        if len(made) != 1:
            raise RuntimeError(f"the emulator's export wrote {len(made)} exports under {directory}, not one")
        return made.pop()

    def import_(self, metadata: Path) -> None:
        """Import the export whose metadata file is ``metadata`` (its documents written over)."""
        self._call(
            "POST", self.base + ":import", {"database": self.database, "export_directory": str(metadata)}
        )

    def wipe(self) -> None:
        """Delete every document of the database."""
        self._call("DELETE", self.base + "/databases/(default)/documents")
