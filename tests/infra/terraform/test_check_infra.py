"""tools/check_infra.py fails loudly: a failed checkov check, an unreadable report or a schema error."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tools.infra_drift import TERRAFORM_DIR

ROOT = Path(__file__).resolve().parents[3]


def _fake_checkov(tmp_path: Path, stdout: str) -> Path:
    script = tmp_path / "checkov"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.stdout.write({stdout!r})\n")
    script.chmod(0o755)
    return script


def _run(checkov: Path, schemas: Path, terraform: Path = TERRAFORM_DIR) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tools.check_infra", "--checkov", str(checkov), "--no-pytest"]
    command += ["--schemas", str(schemas), "--terraform", str(terraform)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


CLEAN = json.dumps({"summary": {"passed": 40, "failed": 0}, "results": {"failed_checks": []}})


def test_failed_checkov_checks_fail_the_run(tmp_path: Path, schemas_path: Path) -> None:
    report = {
        "summary": {"passed": 40, "failed": 2, "parsing_errors": 0},
        "results": {
            "failed_checks": [
                {"check_id": "CKV_GCP_1", "resource": "r.a", "file_path": "/a.tf"},
                {"check_id": "CKV_GCP_2", "resource": "r.b", "file_path": "/b.tf"},
            ]
        },
    }
    run = _run(_fake_checkov(tmp_path, json.dumps(report)), schemas_path)
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=2 drift=0 schema_errors=0"
    assert "checkov FAILED CKV_GCP_1 r.a" in run.stdout


def test_a_checkov_that_produces_no_report_counts_as_failed(tmp_path: Path, schemas_path: Path) -> None:
    run = _run(_fake_checkov(tmp_path, "Traceback: boom"), schemas_path)
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=1 drift=0 schema_errors=0"


def test_a_report_that_saw_nothing_counts_as_failed(tmp_path: Path, schemas_path: Path) -> None:
    run = _run(_fake_checkov(tmp_path, json.dumps({"summary": {"passed": 0, "failed": 0}})), schemas_path)
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=1 drift=0 schema_errors=0"


def test_a_clean_report_passes(tmp_path: Path, schemas_path: Path) -> None:
    run = _run(_fake_checkov(tmp_path, CLEAN), schemas_path)
    assert run.returncode == 0, run.stdout
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=0 drift=0 schema_errors=0"


def test_an_argument_the_provider_does_not_know_fails_the_run(tmp_path: Path, schemas_path: Path) -> None:
    terraform = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, terraform, ignore=shutil.ignore_patterns(".terraform*"))
    functions = terraform / "functions.tf"
    functions.write_text(functions.read_text().replace("entry_point", "entrypoint", 1))
    run = _run(_fake_checkov(tmp_path, CLEAN), schemas_path, terraform)
    assert run.returncode == 1
    assert "unknown argument 'entrypoint'" in run.stdout
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=0 drift=0 schema_errors=1"
