"""Write the api's contract (``functions.openapi``) to docs/api/openapi.json, or with ``--check`` fail
if the committed one differs: ``make openapi`` writes it."""

import argparse
import sys
from pathlib import Path

from functions import openapi

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "api" / "openapi.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed contract is stale")
    parser.add_argument("--out", type=Path, default=CONTRACT, help=f"where it goes (default: {CONTRACT})")
    args = parser.parse_args()
    text = openapi.text()
    if not args.check:
        args.out.write_text(text)
        return 0
    if not args.out.exists() or args.out.read_text() != text:
        print(f"{args.out} differs from the api's routes and models: run `make openapi`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
