"""The restore drill, ``make restore-drill``: on the local stack, a workspace is seeded through the
product's own paths (local/seeding.py), the Firestore emulator's data is exported, wiped (0 documents
left), imported again, and every document is compared with what it held before, byte for byte:
tenants, runs, their events, passages and everything else the stack wrote. The owner's console then
reads the runs back through the api. Prints the counts and ``RESULT restored=1 documents=<n>
mismatched=0``; exits 1 when anything did not come back.

What it rehearses of production's restore (docs/deploy.md, "Backups and restore"): that an export of
the database holds every document a workspace's data is made of, and the check to run after a
restore. A real backup is restored into a new database by ``gcloud firestore databases restore``."""

import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from local.demo import http
from local.firestore_dump import Emulator, client, documents
from local.seeding import Seeded, seed_workspace
from local.stack import LocalStack

KINDS = {  # what the drill must find, and find back, at least one of each
    "tenants": re.compile(r"^tenants/[^/]+$"),
    "runs": re.compile(r"^tenants/[^/]+/runs/[^/]+$"),
    "events": re.compile(r"^tenants/[^/]+/runs/[^/]+/events/[^/]+$"),
    "passages": re.compile(r"^tenants/[^/]+/passages/[^/]+$"),
}


class Drill(NamedTuple):
    documents: int  # before the export
    wiped_left: int  # documents left after the wipe (0)
    mismatched: int  # documents missing, changed or new after the import
    kinds: dict[str, int]  # KINDS counted back after the import
    runs_read: int  # the seeded runs the api answered with after the import

    @property
    def restored(self) -> bool:
        found_all = all(self.kinds.get(kind, 0) > 0 for kind in KINDS)
        return self.documents > 0 and self.wiped_left == 0 and self.mismatched == 0 and found_all

    def result(self) -> str:
        return f"RESULT restored={int(self.restored)} documents={self.documents} mismatched={self.mismatched}"


def kinds(paths: list[str]) -> dict[str, int]:
    counted: Counter[str] = Counter()
    for path in paths:
        counted.update(kind for kind, shape in KINDS.items() if shape.match(path))
    return {kind: counted[kind] for kind in KINDS}


def mismatches(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    """The paths missing, changed or new in ``after``."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def drill(stack: LocalStack, seeded: list[Seeded], workdir: Path) -> Drill:
    """Export, wipe, import ``stack``'s Firestore; compare; read ``seeded``'s runs through the api."""
    emulator = Emulator(f"127.0.0.1:{stack.firestore_port}", stack.project)
    db = firestore_client(stack)
    before = documents(db)
    metadata = emulator.export(workdir / "export")
    emulator.wipe()
    left = len(documents(db))
    emulator.import_(metadata)
    after = documents(db)
    wrong = mismatches(before, after)
    for path in wrong[:20]:
        print(f"mismatched: {path}")
    api = stack.url_of_api()
    read = sum(
        1 for s in seeded for run in s.runs if http("GET", f"{api}/runs/{run}", None, s.auth)[0] == 200
    )
    return Drill(len(before), left, len(wrong), kinds(list(after)), read)


def firestore_client(stack: LocalStack) -> Any:
    """A client of the stack's Firestore emulator."""
    return client(f"127.0.0.1:{stack.firestore_port}", stack.project)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as scratch, LocalStack() as stack:
        seeded = [seed_workspace(stack, "drill")]
        done = drill(stack, seeded, Path(scratch))
    print(" ".join(f"{kind}={n}" for kind, n in done.kinds.items()), f"runs_read_back={done.runs_read}")
    print(done.result())
    expected = sum(len(s.runs) for s in seeded)
    return 0 if done.restored and done.runs_read == expected else 1


if __name__ == "__main__":
    sys.exit(main())
