"""List the dead letters of a deployment for an operator: ``make dead-letters`` (docs/deploy.md).

Reads ``dead_letters`` in Firestore with the operator's credentials and the deployment's settings
(``NA_GCP_PROJECT``, ``NA_FIRESTORE_DATABASE``, or ``NA_FIRESTORE_EMULATOR_HOST`` locally); prints
one line per letter, newest first, and ``RESULT dead_letters=<n>``. Never the body: it was not kept.
"""

import argparse
import sys

from shared import bootstrap


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=50, help="how many, newest first")
    args = parser.parse_args()
    letters = bootstrap.root().dead_letters.recent(args.limit)
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
