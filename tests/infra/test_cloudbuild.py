"""cloudbuild.yaml: the stages in order, pinned images, substitutions, its own account, apply gated on main."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLOUDBUILD = ROOT / "cloudbuild.yaml"
INFRA_PYTHON = ROOT / ".venv-infra" / "bin" / "python"


def load_yaml(path: Path) -> Any:
    """PyYAML from this venv if present, else from .venv-infra (checkov depends on it)."""
    try:
        import yaml
    except ImportError:
        if not INFRA_PYTHON.exists():
            pytest.fail(
                "PyYAML is needed: run `make check-infra` (installs .venv-infra) or add pyyaml to the dev group"
            )
        code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
        out = subprocess.run(
            [str(INFRA_PYTHON), "-c", code, str(path)], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def build() -> dict[str, Any]:
    return load_yaml(CLOUDBUILD)


def _step(build: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in build["steps"] if s.get("id") == step_id)


def test_stages_run_in_order(build: dict[str, Any]) -> None:
    ids = [s["id"] for s in build["steps"]]
    stages = ["lint", "test", "package", "plan", "apply"]
    assert [i for i in ids if i in stages] == stages
    assert not any("waitFor" in s for s in build["steps"]), "steps must run sequentially"
    assert "make lint" in " ".join(_step(build, "lint")["args"])
    assert "make test" in " ".join(_step(build, "test")["args"])
    assert "make package" in " ".join(_step(build, "package")["args"])


@pytest.mark.parametrize("image_index", range(8))
def test_every_image_is_pinned(build: dict[str, Any], image_index: int) -> None:
    assert len(build["steps"]) == 8
    image = build["steps"][image_index]["name"]
    pinned_digest = re.search(r"@sha256:[0-9a-f]{64}$", image)
    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
    assert pinned_digest or re.match(r"^\d+\.\d+\.\d+", tag), f"{image} is not pinned to a version or digest"
    assert "latest" not in image


def test_tests_run_where_the_firestore_emulator_and_java_are(build: dict[str, Any]) -> None:
    assert "-emulators" in _step(build, "test")["name"]


def test_substitutions_for_project_and_state(build: dict[str, Any]) -> None:
    subs = build["substitutions"]
    assert {"_DEPLOY_PROJECT", "_STATE_BUCKET", "_APPLY"} <= set(subs)
    assert subs["_APPLY"] == "false", "applying must be opted into by the approved trigger"


def test_own_service_account_and_logging(build: dict[str, Any]) -> None:
    assert re.fullmatch(
        r"projects/\$\{PROJECT_ID\}/serviceAccounts/na-[a-z-]+@\$\{PROJECT_ID\}\.iam\.gserviceaccount\.com",
        build["serviceAccount"],
    )
    assert build["options"]["logging"] == "CLOUD_LOGGING_ONLY"


def test_apply_only_on_main_with_the_saved_plan(build: dict[str, Any]) -> None:
    script = " ".join(_step(build, "apply")["args"])
    assert '[ "${BRANCH_NAME}" = "main" ]' in script
    assert '[ "${_APPLY}" = "true" ]' in script
    assert "terraform apply -input=false /workspace/tfplan" in script
    assert "-out=/workspace/tfplan" in " ".join(_step(build, "plan")["args"])


def test_deploy_trigger_requires_manual_approval() -> None:
    import hcl2

    from tools.infra_drift import HCL_OPTIONS

    doc = hcl2.loads((ROOT / "terraform" / "cicd.tf").read_text(), serialization_options=HCL_OPTIONS)
    triggers = {
        name: body for block in doc["resource"] for name, body in block["google_cloudbuild_trigger"].items()
    }
    assert triggers["deploy"]["approval_config"][0]["approval_required"] is True
    assert triggers["deploy"]["substitutions"]["_APPLY"] == "true"
    assert triggers["deploy"]["github"][0]["push"][0]["branch"] == "^main$"
    assert triggers["checks"]["substitutions"]["_APPLY"] == "false"
    assert triggers["checks"]["service_account"] == '${google_service_account.platform["ci"].id}'


TEAM_TFVARS = "/workspace/team.tfvars"


def _triggers() -> dict[str, Any]:
    import hcl2

    from tools.infra_drift import HCL_OPTIONS

    doc = hcl2.loads((ROOT / "terraform" / "cicd.tf").read_text(), serialization_options=HCL_OPTIONS)
    return {
        name: body for block in doc["resource"] for name, body in block["google_cloudbuild_trigger"].items()
    }


def _plan_commands(build: dict[str, Any]) -> list[str]:
    """The plan step's `terraform plan` command, its continuation lines joined."""
    script = "\n".join(_step(build, "plan")["args"]).replace("\\\n", " ")
    return [line.strip() for line in script.splitlines() if line.strip().startswith("terraform plan")]


def test_the_plan_takes_every_variable_from_the_teams_tfvars(build: dict[str, Any]) -> None:
    """Without the team's file, every variable the triggers do not pass would plan at its default on
    each push to main (smtp, budgets, models, instances reverted; another firestore_location replaces
    the database). Only project_id and state_bucket come from the trigger, after the file."""
    [plan] = _plan_commands(build)
    assert f"-var-file={TEAM_TFVARS}" in plan
    assert set(re.findall(r'-var="?(\w+)=', plan)) == {"project_id", "state_bucket"}
    assert plan.index("-var-file=") < plan.index("-var="), "-var must come after the file to win over it"
    # TF_VAR_ values rank below a -var-file: none is set, so none can look like it counts.
    assert not any(e.startswith("TF_VAR_") for s in build["steps"] for e in s.get("env", []))
    ids = [s["id"] for s in build["steps"]]
    assert ids[0] == "tfvars", "fetch the team's variables first, so a build without them fails fast"
    assert TEAM_TFVARS in " ".join(_step(build, "tfvars")["args"])


def _run_tfvars_step(build: dict[str, Any], tmp_path: Path, gcloud: str) -> subprocess.CompletedProcess[str]:
    """The tfvars step's script, substituted as Cloud Build would, with a fake gcloud on PATH."""
    script = _step(build, "tfvars")["args"][-1]
    script = script.replace("${_STATE_BUCKET}", "team-tfstate").replace("$$", "$")
    script = script.replace("/workspace/", f"{tmp_path}/")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "gcloud"
    fake.write_text("#!/bin/bash\n" + gcloud)
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, check=False)


def test_a_build_without_the_teams_tfvars_fails_saying_what_to_upload(
    build: dict[str, Any], tmp_path: Path
) -> None:
    result = _run_tfvars_step(build, tmp_path, 'echo "ERROR: No URLs matched: $3" >&2; exit 1\n')
    assert result.returncode != 0
    assert "gs://team-tfstate/notion-agent/terraform.tfvars" in result.stderr
    assert "gcloud storage cp terraform/terraform.tfvars" in result.stderr
    assert not (tmp_path / "team.tfvars").exists()


def test_a_build_with_the_teams_tfvars_plans_with_them(build: dict[str, Any], tmp_path: Path) -> None:
    copy = '[ "$1 $2 $3" = "storage cp gs://team-tfstate/notion-agent/terraform.tfvars" ] || exit 9\n'
    copy += 'echo \'smtp = { host = "smtp.example" }\' > "$4"\n'
    result = _run_tfvars_step(build, tmp_path, copy)
    assert result.returncode == 0, result.stderr
    assert "smtp.example" in (tmp_path / "team.tfvars").read_text()


def test_an_empty_tfvars_file_fails_the_build(build: dict[str, Any], tmp_path: Path) -> None:
    result = _run_tfvars_step(build, tmp_path, ': > "$4"\n')
    assert result.returncode != 0
    assert "empty" in result.stderr


def test_the_triggers_set_exactly_the_substitutions_the_build_uses(build: dict[str, Any]) -> None:
    """Cloud Build refuses a trigger substitution its build does not use; one the triggers do not set
    would keep the YAML's placeholder."""
    text = CLOUDBUILD.read_text()
    used = set(re.findall(r"\$\{(_[A-Z_]+)\}", text))
    assert used == set(build["substitutions"])
    for name, trigger in _triggers().items():
        assert set(trigger["substitutions"]) == used, name
        assert trigger["substitutions"]["_DEPLOY_PROJECT"] == "${var.project_id}"
        assert trigger["substitutions"]["_STATE_BUCKET"] == "${var.state_bucket}"
