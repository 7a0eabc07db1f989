"""Print the settings table of docs/settings.md from shared/platform/config.py, and its trigger rules table from
shared/workspace/domain/triggers.py (``--check`` fails if either is stale)."""

import argparse
import sys
from pathlib import Path

from shared.platform.config import documented

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
RULES_BEGIN, RULES_END = "<!-- triggers:begin -->", "<!-- triggers:end -->"


def table() -> str:
    rows = ["| variable | default (local profile) | meaning |", "|---|---|---|"]
    for variable, default, meaning in documented():
        rows.append(f"| `{variable}` | `{default}` | {meaning} |")
    return "\n".join(rows)


def rules_table() -> str:
    """One row per field of each trigger rule model: the rule's kind, the field, its type, its meaning."""
    from shared.workspace.domain.triggers import RULE_MODELS

    rows = ["| rule `kind` | field | type | meaning |", "|---|---|---|---|"]
    for model in RULE_MODELS:
        schema = model.model_json_schema()
        kind = schema["properties"]["kind"]["const"]
        rows.append(f"| `{kind}` | | | {' '.join((model.__doc__ or '').split())} |")
        for name, prop in schema["properties"].items():
            if name == "kind":
                continue
            types = [t.get("type", "") for t in prop.get("anyOf", [prop])]
            shown = " or ".join(t.replace("null", "none").replace("boolean", "true/false") for t in types)
            needed = "required" if name in schema.get("required", []) else "optional"
            rows.append(f"| | `{name}` | {shown}, {needed} | {prop.get('description', '')} |")
    return "\n".join(rows)


def _replace(text: str, begin: str, end: str, body: str) -> str:
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", metavar="DOC", help="fail if the document's table differs")
    parser.add_argument("--write", metavar="DOC", help="replace the document's table in place")
    args = parser.parse_args()
    if not (args.check or args.write):
        print(table())
        print(rules_table())
        return 0
    path = Path(args.check or args.write)
    text = path.read_text()
    updated = _replace(_replace(text, BEGIN, END, table()), RULES_BEGIN, RULES_END, rules_table())
    if args.write:
        path.write_text(updated)
        return 0
    if updated != text:
        print(f"{path}: the settings table is stale; run: python -m tools.settings_table --write {path}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
