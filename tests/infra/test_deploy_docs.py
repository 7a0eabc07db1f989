"""README's deploy section and docs/deploy.md give the same commands as the pipeline uses."""

import re
from pathlib import Path

from tools.infra_drift import Terraform

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_MD = (ROOT / "docs" / "deploy.md").read_text()
README = (ROOT / "README.md").read_text()
README_DEPLOY = README[README.index("## Deploy to your Google Cloud project") : README.index("## Settings")]
CLOUDBUILD = (ROOT / "cloudbuild.yaml").read_text()
_BACKEND = re.compile(r'-backend-config="?(\w+)=([^"\s`]+)"?')


def backend_configs(text: str) -> list[dict[str, str]]:
    """The -backend-config values of each `terraform init` command in a text."""
    return [
        dict(_BACKEND.findall(line))
        for line in text.splitlines()
        if re.search(r"terraform( -chdir=\S+)? init", line)
    ]


def test_readme_and_deploy_md_init_the_backend_the_pipeline_reads() -> None:
    [pipeline] = backend_configs(CLOUDBUILD)
    assert pipeline == {"bucket": "${_STATE_BUCKET}", "prefix": "notion-agent"}
    [doc] = backend_configs(DEPLOY_MD)
    [readme] = backend_configs(README_DEPLOY)
    assert readme == doc == {"bucket": "$PROJECT-tfstate", "prefix": pipeline["prefix"]}


def test_every_required_variable_is_named_in_both(tf: Terraform) -> None:
    required = {name for name, body in tf.variables.items() if "default" not in body}
    assert {"project_id", "state_bucket", "firestore_location", "public_domain", "frontend_url"} <= required
    example = DEPLOY_MD[DEPLOY_MD.index("cat > terraform/terraform.tfvars") :].split("VARS\n", 2)[1]
    assert required <= set(re.findall(r"^(\w+)\s*=", example, re.M)), "deploy.md's tfvars example"
    assert required <= set(re.findall(r"`(\w+)`", README_DEPLOY)), "README's deploy section"


def test_both_name_the_tfvars_file_the_pipeline_reads() -> None:
    source = re.search(r'source="gs://\$\{_STATE_BUCKET\}/([^"]+)"', CLOUDBUILD)
    assert source, "cloudbuild.yaml's tfvars step"
    path = f"gs://$PROJECT-tfstate/{source.group(1)}"
    assert f"gcloud storage cp terraform/terraform.tfvars {path}" in DEPLOY_MD
    assert path in README_DEPLOY
