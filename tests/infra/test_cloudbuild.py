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


@pytest.mark.parametrize("image_index", range(7))
def test_every_image_is_pinned(build: dict[str, Any], image_index: int) -> None:
    assert len(build["steps"]) == 7
    image = build["steps"][image_index]["name"]
    pinned_digest = re.search(r"@sha256:[0-9a-f]{64}$", image)
    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
    assert pinned_digest or re.match(r"^\d+\.\d+\.\d+", tag), f"{image} is not pinned to a version or digest"
    assert "latest" not in image


def test_tests_run_where_the_firestore_emulator_and_java_are(build: dict[str, Any]) -> None:
    assert "-emulators" in _step(build, "test")["name"]


def test_substitutions_for_project_and_region(build: dict[str, Any]) -> None:
    subs = build["substitutions"]
    assert {"_DEPLOY_PROJECT", "_REGION", "_STATE_BUCKET", "_APPLY"} <= set(subs)
    assert subs["_APPLY"] == "false", "applying must be opted into by the approved trigger"
    plan_env = _step(build, "plan")["env"]
    assert "TF_VAR_project_id=${_DEPLOY_PROJECT}" in plan_env
    assert "TF_VAR_region=${_REGION}" in plan_env


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


def test_plan_step_receives_the_public_domain(build: dict[str, Any]) -> None:
    """var.public_domain is required (no default): the plan gets it from _PUBLIC_DOMAIN, which both
    triggers set from the same variable; apply takes it from the saved plan."""
    import hcl2

    from tools.infra_drift import HCL_OPTIONS

    assert "_PUBLIC_DOMAIN" in build["substitutions"]
    assert "TF_VAR_public_domain=${_PUBLIC_DOMAIN}" in _step(build, "plan")["env"]
    assert not any(e.startswith("TF_VAR_") for e in _step(build, "apply")["env"])
    variables = hcl2.loads(
        (ROOT / "terraform" / "variables.tf").read_text(), serialization_options=HCL_OPTIONS
    )
    # A TF_VAR_ for a variable the configuration does not declare would be silently ignored.
    assert any("public_domain" in block for block in variables["variable"])
    doc = hcl2.loads((ROOT / "terraform" / "cicd.tf").read_text(), serialization_options=HCL_OPTIONS)
    triggers = {
        name: body for block in doc["resource"] for name, body in block["google_cloudbuild_trigger"].items()
    }
    for trigger in ("checks", "deploy"):
        assert triggers[trigger]["substitutions"]["_PUBLIC_DOMAIN"] == "${var.public_domain}"


def test_every_variable_the_plan_takes_from_a_substitution_is_set_on_both_triggers(
    build: dict[str, Any],
) -> None:
    """A TF_VAR_x=${_X} the triggers do not set would plan with the YAML's placeholder value."""
    import hcl2

    from tools.infra_drift import HCL_OPTIONS

    wanted = {}
    for entry in _step(build, "plan")["env"]:
        match = re.fullmatch(r"TF_VAR_(\w+)=\$\{(_[A-Z_]+)\}", entry)
        if match and match.group(2) not in {"_DEPLOY_PROJECT", "_REGION", "_STATE_BUCKET"}:
            wanted[match.group(2)] = "${var." + match.group(1) + "}"
    assert {"_FRONTEND_URL", "_PUBLIC_DOMAIN"} <= wanted.keys()
    doc = hcl2.loads((ROOT / "terraform" / "cicd.tf").read_text(), serialization_options=HCL_OPTIONS)
    triggers = {
        name: body for block in doc["resource"] for name, body in block["google_cloudbuild_trigger"].items()
    }
    for trigger in ("checks", "deploy"):
        substitutions = triggers[trigger]["substitutions"]
        assert {k: substitutions.get(k) for k in wanted} == wanted, trigger
