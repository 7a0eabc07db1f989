"""``make restore-indexes``: Terraform import blocks for the composite indexes a Firestore restore
brought back (docs/deploy.md, "Backups and restore"; decision 0140).

Google restores a backup's index definitions with its documents, so after a restore every
``google_firestore_index`` of terraform/ already exists on the new database, under an id Firestore
chose. An apply that creates them answers 409 "index already exists". This tool lists the restored
database's composite indexes (``gcloud firestore indexes composite list --format=json``), matches
each to the resource instance of terraform/ that declares the same collection group, scope and
fields (tools/check_indexes.terraform_indexes), and writes one ``import`` block per match to
``terraform/restore_imports.tf``, in the id format the provider imports
(``projects/<p>/databases/<d>/collectionGroups/<c>/indexes/<id>``). The next plan shows them as
imports, not creations. Delete the file after that apply.

An index of terraform/ the restore did not bring back is created by the apply; a restored index that
terraform/ does not declare is left alone. The last line is
``RESULT indexes=<declared> imported=<n> created=<n> unmanaged=<n>``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tools.check_indexes import CONTAINS, VECTOR, Index, terraform_indexes
from tools.infra_drift import TERRAFORM_DIR, load_terraform

OUT = TERRAFORM_DIR / "restore_imports.tf"
Key = tuple[str, str, tuple[tuple[str, str], ...]]  # (collection group, scope, fields)


def _mode(field: dict[str, Any]) -> str:
    if "vectorConfig" in field:
        return VECTOR
    if field.get("arrayConfig") == CONTAINS:
        return CONTAINS
    return str(field.get("order", ""))


def restored_key(index: dict[str, Any]) -> Key:
    """A listed index as check_indexes spells a declared one: Firestore appends ``__name__`` to the
    fields it lists (the implied tie-break), which terraform/ does not declare."""
    collection = str(index["name"]).split("/collectionGroups/", 1)[1].split("/", 1)[0]
    fields = [(str(f["fieldPath"]), _mode(f)) for f in index.get("fields", [])]
    if fields and fields[-1][0] == "__name__":
        fields.pop()
    return collection, str(index.get("queryScope", "COLLECTION")), tuple(fields)


def declared_key(index: Index) -> Key:
    return index.collection, index.scope, index.fields


def address(index: Index) -> str:
    """check_indexes' ``composite[key]`` as a Terraform address: google_firestore_index.composite["key"]."""
    name, _, key = index.name.partition("[")
    return f'google_firestore_index.{name}["{key[:-1]}"]' if key else f"google_firestore_index.{name}"


def import_blocks(
    declared: Iterable[Index], listed: list[dict[str, Any]]
) -> tuple[str, list[str], list[str]]:
    """The import blocks' text, the declared indexes the restore lacks (created by the apply), and the
    restored ones nothing declares (left alone)."""
    restored = {restored_key(index): str(index["name"]) for index in listed}
    blocks, created, used = [], [], set()
    for index in declared:
        name = restored.get(declared_key(index))
        if name is None:
            created.append(address(index))
            continue
        used.add(declared_key(index))
        blocks.append(f'import {{\n  to = {address(index)}\n  id = "{name}"\n}}\n')
    unmanaged = sorted(name for key, name in restored.items() if key not in used)
    header = (
        "# Written by `make restore-indexes` (tools/restore_indexes.py) after a Firestore restore: the\n"
        "# indexes the restore brought back, imported instead of created. Delete this file after the apply.\n"
    )
    return header + "\n".join(blocks), created, unmanaged


def listing(project: str, database: str) -> list[dict[str, Any]]:
    """The restored database's composite indexes, as gcloud lists them."""
    command = [
        "gcloud", "firestore", "indexes", "composite", "list",
        f"--project={project}", f"--database={database}", "--format=json",
    ]  # fmt: skip
    listed: list[dict[str, Any]] = json.loads(
        subprocess.run(command, capture_output=True, text=True, check=True).stdout or "[]"
    )
    return listed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project", required=True)
    parser.add_argument("--database", required=True, help="the database the backup was restored into")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    declared = terraform_indexes(load_terraform()).composite
    text, created, unmanaged = import_blocks(declared, listing(args.project, args.database))
    args.out.write_text(text)
    for name in created:
        print(f"CREATE   {name}: not restored, the apply creates it")
    for name in unmanaged:
        print(f"UNMANAGED {name}: restored, declared nowhere in terraform/ (left as it is)")
    imported = len(declared) - len(created)
    print(f"Wrote {imported} import block(s) to {args.out}: plan, apply, then delete the file.")
    print(
        f"RESULT indexes={len(declared)} imported={imported} created={len(created)} unmanaged={len(unmanaged)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
