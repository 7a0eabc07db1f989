"""Data where the organisation says, and who read a secret: every secret
with user-managed replicas in the configured locations, the same rule in the code that creates
tenants' secrets, the model's regional endpoint a setting, and Secret Manager's Data Access logs on."""

from shared.platform.config import Settings
from tools.infra_drift import Terraform

# terraform/secrets.tf's rule, spelt as Terraform evaluates it; Settings.secret_replicas says the same.
LOCATIONS_RULE = "${length(var.secret_locations) > 0 ? var.secret_locations : [var.region]}"


def test_every_platform_secret_is_user_managed_in_the_configured_locations(tf: Terraform) -> None:
    [replication] = tf.resources["google_secret_manager_secret"]["platform"]["replication"]
    assert set(replication) == {"user_managed"}, "automatic replication is refused under a location policy"
    [dynamic] = replication["user_managed"][0]["dynamic"]
    assert dynamic["replicas"]["for_each"] == "${local.secret_locations}"
    assert dynamic["replicas"]["content"] == [{"location": "${replicas.value}"}]
    assert tf.locals["secret_locations"] == LOCATIONS_RULE
    assert tf.variables["secret_locations"]["default"] == []


def test_the_code_creates_its_secrets_where_terraform_puts_the_platform_secrets(tf: Terraform) -> None:
    """NA_SECRET_LOCATIONS is the same variable; empty, both sides fall back to the region."""
    env = tf.locals["settings_env"]
    assert env["NA_SECRET_LOCATIONS"] == "${jsonencode(var.secret_locations)}"
    assert env["NA_REGION"] == "${var.region}"
    assert Settings(region="europe-west3").secret_replicas() == ("europe-west3",)
    chosen = Settings(region="europe-west3", secret_locations=("europe-west1", "europe-west4"))
    assert chosen.secret_replicas() == ("europe-west1", "europe-west4")
    assert Settings.from_env({"NA_SECRET_LOCATIONS": '["europe-west1"]'}).secret_replicas() == (
        "europe-west1",
    )


def test_the_model_endpoint_is_a_setting_global_by_default(tf: Terraform) -> None:
    assert tf.locals["settings_env"]["NA_MODEL_LOCATION"] == "${var.model_location}"
    assert tf.variables["model_location"]["default"] == "global"
    assert Settings().model_location == "global"
    assert Settings(model_location="europe-west4").model_location == "europe-west4"


def test_secret_manager_data_access_is_logged(tf: Terraform) -> None:
    """Who read which secret, and who added or destroyed a version: DATA_READ and DATA_WRITE."""
    config = tf.resources["google_project_iam_audit_config"]["secret_manager"]
    assert config["project"] == "${var.project_id}"
    assert config["service"] == "secretmanager.googleapis.com"
    assert {entry["log_type"] for entry in config["audit_log_config"]} == {"DATA_READ", "DATA_WRITE"}
    assert not [entry for entry in config["audit_log_config"] if entry.get("exempted_members")]


def test_deploy_md_says_where_data_lives_and_how_each_secret_is_rotated(tf: Terraform) -> None:
    """The operator's procedures name the variables and secrets that exist."""
    from pathlib import Path

    deploy = (Path(__file__).resolve().parents[3] / "docs" / "deploy.md").read_text()
    where = deploy[deploy.index("### Where data lives") :].split("\n### ", 1)[0]
    for variable in ("firestore_location", "secret_locations", "model_location"):
        assert f"`{variable}`" in where and variable in tf.variables, variable
    rotation = deploy[deploy.index("### Rotating the other secrets") :].split("\n### ", 1)[0]
    secrets = tf.locals["platform_secrets"]
    for secret in ("notion-client-secret", "smtp-password"):
        assert f"gcloud secrets versions add {secret}" in rotation and secret in secrets, secret
    assert "**The webhook verification token.**" in rotation
    assert "notion-webhook-verification-token" in secrets
