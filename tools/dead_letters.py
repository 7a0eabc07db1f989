"""List the dead letters of a deployment for an operator: ``make dead-letters PROJECT=<project>``
(docs/deploy.md, "Dead letters").

Reads ``dead_letters`` in Firestore with the operator's own credentials (Application Default
Credentials) and nothing else of the deployment: its project (``--project``, else ``NA_GCP_PROJECT``)
and database (``--database``, else ``NA_FIRESTORE_DATABASE``, else ``(default)``); the Firestore
emulator when ``FIRESTORE_EMULATOR_HOST`` (or ``NA_FIRESTORE_EMULATOR_HOST``) is set, as on the local
stack. A function's settings are not needed, so none of their production checks apply. Prints one
line per letter, newest first, and ``RESULT dead_letters=<n>``. Never the body: it was not kept.
"""

import argparse
import os
import sys

from shared.bootstrap import Container
from shared.platform.config import Settings


def firestore_only(project: str, database: str, emulator_host: str) -> Settings:
    """Settings that name only where Firestore is: a container built from them reaches the project's
    database and builds nothing else until asked (every other setting keeps its default)."""
    return Settings(gcp_project=project, firestore_database=database, firestore_emulator_host=emulator_host)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", default=os.environ.get("NA_GCP_PROJECT", ""), help="the project id")
    parser.add_argument("--database", default=os.environ.get("NA_FIRESTORE_DATABASE") or "(default)")
    parser.add_argument("--limit", type=int, default=50, help="how many, newest first")
    args = parser.parse_args()
    if not args.project:
        parser.error("which project? make dead-letters PROJECT=<project id> (or NA_GCP_PROJECT)")
    emulator = os.environ.get("NA_FIRESTORE_EMULATOR_HOST") or os.environ.get("FIRESTORE_EMULATOR_HOST", "")
    container = Container(firestore_only(args.project, args.database, emulator))
    letters = container.platform.dead_letters.recent(args.limit)
    for letter in letters:
        tenant = letter.tenant_id or "-"
        received = letter.received_at.isoformat(timespec="seconds")
        print(
            f"{received}  {letter.queue:<12} tenant={tenant:<24} sha256={letter.body_sha256[:16]}  {letter.reason}"
        )
    print(f"RESULT dead_letters={len(letters)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
