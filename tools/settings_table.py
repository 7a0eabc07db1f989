"""Print the settings table of docs/settings.md from shared/config.py (``--check`` fails if stale)."""

import argparse
import sys
from pathlib import Path

from shared.config import documented

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def table() -> str:
    rows = ["| variable | default (local profile) | meaning |", "|---|---|---|"]
    for variable, default, meaning in documented():
        rows.append(f"| `{variable}` | `{default}` | {meaning} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", metavar="DOC", help="fail if the document's table differs")
    parser.add_argument("--write", metavar="DOC", help="replace the document's table in place")
    args = parser.parse_args()
    if not (args.check or args.write):
        print(table())
        return 0
    path = Path(args.check or args.write)
    text = path.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    updated = f"{head}{BEGIN}\n{table()}\n{END}{tail}"
    if args.write:
        path.write_text(updated)
        return 0
    if updated != text:
        print(f"{path}: the settings table is stale; run: python -m tools.settings_table --write {path}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
