"""docs/deploy.md gives the same commands as the pipeline uses, and is the only place that gives them."""

import re
from pathlib import Path

from tools.infra_drift import Terraform

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_MD = (ROOT / "docs" / "deploy.md").read_text()
README = (ROOT / "README.md").read_text()
CLOUDBUILD = (ROOT / "cloudbuild.yaml").read_text()
CLOUDBUILD_APPLY = (ROOT / "cloudbuild-apply.yaml").read_text()
_BACKEND = re.compile(r'-backend-config="?(\w+)=([^"\s`]+)"?')


def backend_configs(text: str) -> list[dict[str, str]]:
    """The -backend-config values of each `terraform init` command in a text."""
    return [
        dict(_BACKEND.findall(line))
        for line in text.splitlines()
        if re.search(r"terraform( -chdir=\S+)? init", line)
    ]


def test_deploy_md_inits_the_backend_the_pipeline_reads() -> None:
    plan, apply = [config for config in backend_configs(CLOUDBUILD + CLOUDBUILD_APPLY) if config]
    assert plan == apply == {"bucket": "${_STATE_BUCKET}", "prefix": "notion-agent"}
    pipeline = plan
    [doc] = [config for config in backend_configs(DEPLOY_MD) if config]  # not `init -backend=false`
    assert doc == {"bucket": "$PROJECT-tfstate", "prefix": pipeline["prefix"]}


def test_the_readme_leaves_the_procedure_to_deploy_md() -> None:
    """One copy of the commands: the README links docs/deploy.md and repeats none of them."""
    assert "(docs/deploy.md)" in README
    assert not backend_configs(README) and "terraform apply" not in README and "tfvars" not in README


def test_every_required_variable_is_in_the_tfvars_example(tf: Terraform) -> None:
    required = {name for name, body in tf.variables.items() if "default" not in body}
    assert {"project_id", "state_bucket", "firestore_location", "public_domain"} <= required
    assert "frontend_url" not in required, "empty is the console on the public origin"
    example = DEPLOY_MD[DEPLOY_MD.index("cat > terraform/terraform.tfvars") :].split("VARS\n", 2)[1]
    assert required <= set(re.findall(r"^(\w+)\s*=", example, re.M)), "deploy.md's tfvars example"


def test_deploy_md_names_the_tfvars_file_the_pipeline_reads() -> None:
    source = re.search(r'source="gs://\$\{_STATE_BUCKET\}/([^"]+)"', CLOUDBUILD)
    assert source, "cloudbuild.yaml's tfvars step"
    path = f"gs://$PROJECT-tfstate/{source.group(1)}"
    assert f"gcloud storage cp terraform/terraform.tfvars {path}" in DEPLOY_MD


def test_the_lock_file_procedure_is_the_one_the_pipeline_asks_for() -> None:
    asked = re.search(r"echo \"  (terraform -chdir=terraform providers lock [^\"]+)\"", CLOUDBUILD)
    assert asked, "cloudbuild.yaml's validate step no longer says how to make the lock file"
    assert asked.group(1) in DEPLOY_MD
    assert "-lockfile=readonly" in CLOUDBUILD and "-lockfile=readonly" in CLOUDBUILD_APPLY
    assert "(docs/deploy.md, The provider lock file)" in CLOUDBUILD
    assert "### The provider lock file" in DEPLOY_MD


def test_the_apply_command_is_the_one_the_deploy_build_prints() -> None:
    printed = re.search(r"echo \"  (gcloud builds triggers run notion-agent-apply [^\"]+)\"", CLOUDBUILD)
    assert printed
    documented = printed.group(1).replace("${LOCATION}", "$REGION").replace("${BUILD_ID}", "BUILD_ID")
    assert documented in DEPLOY_MD


def test_the_first_deploy_checklist_names_sections_that_exist() -> None:
    checklist = DEPLOY_MD[
        DEPLOY_MD.index("### First deploy, top to bottom") : DEPLOY_MD.index("### Prerequisites")
    ]
    steps = re.findall(r"^\d+\. ([^:(\n]+)", checklist, re.M)
    assert len(steps) >= 10
    headings = {h.lower() for h in re.findall(r"^### (.+)$", DEPLOY_MD, re.M)}
    for step in ("The state bucket", "The provider lock file", "Apply", "One public origin"):
        assert any(h.startswith(step.lower()) for h in headings), step
        assert step in checklist
    assert "An existing `(default)` Firestore database" in checklist and "make smoke URL=" in checklist
    assert "GitHub connection's region" in DEPLOY_MD and "docs/iam.md" in checklist


def test_the_rotation_procedure_stages_then_promotes_through_make() -> None:
    section = DEPLOY_MD[DEPLOY_MD.index("### Rotating the signing key") :]
    stage = section.index("make -s signing-key STEP=stage")
    promote = section.index("make -s signing-key STEP=promote")
    assert stage < section.index("sleep 330") < promote  # secret_cache_ttl_s (300 s) in between
    assert "signing-key:" in (ROOT / "mk" / "smoke.mk").read_text()


def _copies(text: str) -> list[str]:
    """The `gcloud storage cp` commands of a text, continuation lines joined, spaces collapsed."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        " ".join(line.split()) for line in joined.splitlines() if line.strip().startswith("gcloud storage cp")
    ]


def test_deploy_md_uploads_the_console_as_the_pipeline_does() -> None:
    """Same objects, same Cache-Control, same order (index.html last), by hand and after an apply."""
    step = CLOUDBUILD_APPLY[CLOUDBUILD_APPLY.index("- id: console") :].replace("$$", "$")
    pipeline = [c for c in _copies(step) if "$dist" in c]
    section = DEPLOY_MD[DEPLOY_MD.index("### The console") :]
    section = section[: section.index("\n### ")]
    assert len(pipeline) == 3 and _copies(section) == pipeline
    assert pipeline[-1].endswith('"$dist/index.html" "$bucket/index.html"')
    for rule in ("public, max-age=31536000, immutable", "no-cache"):
        assert f"`{rule}`" in section
