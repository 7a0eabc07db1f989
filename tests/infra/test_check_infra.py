"""tools/check_infra.py fails loudly: a failed checkov check or an unreadable report is a non-zero exit."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fake_checkov(tmp_path: Path, stdout: str) -> Path:
    script = tmp_path / "checkov"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.stdout.write({stdout!r})\n")
    script.chmod(0o755)
    return script


def _run(checkov: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tools.check_infra", "--checkov", str(checkov), "--no-pytest"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_failed_checkov_checks_fail_the_run(tmp_path: Path) -> None:
    report = {
        "summary": {"passed": 40, "failed": 2, "parsing_errors": 0},
        "results": {
            "failed_checks": [
                {"check_id": "CKV_GCP_1", "resource": "r.a", "file_path": "/a.tf"},
                {"check_id": "CKV_GCP_2", "resource": "r.b", "file_path": "/b.tf"},
            ]
        },
    }
    run = _run(_fake_checkov(tmp_path, json.dumps(report)))
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=2 drift=0"
    assert "checkov FAILED CKV_GCP_1 r.a" in run.stdout


def test_a_checkov_that_produces_no_report_counts_as_failed(tmp_path: Path) -> None:
    run = _run(_fake_checkov(tmp_path, "Traceback: boom"))
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=1 drift=0"


def test_a_report_that_saw_nothing_counts_as_failed(tmp_path: Path) -> None:
    run = _run(_fake_checkov(tmp_path, json.dumps({"summary": {"passed": 0, "failed": 0}})))
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=1 drift=0"


def test_a_clean_report_passes(tmp_path: Path) -> None:
    run = _run(
        _fake_checkov(
            tmp_path, json.dumps({"summary": {"passed": 40, "failed": 0}, "results": {"failed_checks": []}})
        )
    )
    assert run.returncode == 0, run.stdout
    assert run.stdout.splitlines()[-1] == "RESULT checkov_failed=0 drift=0"
