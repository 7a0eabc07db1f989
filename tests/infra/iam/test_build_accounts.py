"""Who runs the builds: the accounts that run third-party code (npm ci, uv sync, make test)
read no tenant data or secret and change nothing; the deployer runs only the approved apply build
and holds no role that reads tenant data; docs/iam.md gives the reason for each role it keeps."""

import copy
import dataclasses
import json
import re
from pathlib import Path

from tests.support.infra.infra_iam import (
    CLOUDBUILD_APPLY,
    DATA_PERMISSIONS,
    build_triggers,
    project_grants,
    resource_grants,
)
from tools.infra_drift import Terraform

ROOT = Path(__file__).resolve().parents[3]
# The accounts whose builds run cloudbuild.yaml: the pull requests' (ci) and the pushes to main's.
THIRD_PARTY_RUNNERS = {"ci", "release_build"}
# Predefined roles that read tenant documents, secret values, task payloads or logs (or everything).
DATA_ROLES = {
    "roles/owner",
    "roles/editor",
    "roles/viewer",
    "roles/datastore.owner",
    "roles/datastore.user",
    "roles/datastore.viewer",
    "roles/datastore.importExportAdmin",
    "roles/secretmanager.admin",
    "roles/secretmanager.secretAccessor",
    "roles/secretmanager.secretVersionManager",
    "roles/cloudtasks.admin",
    "roles/cloudtasks.editor",
    "roles/cloudtasks.viewer",
    "roles/cloudtasks.enqueuer",
    "roles/cloudtasks.taskRunner",
    "roles/logging.admin",
    "roles/logging.viewer",
    "roles/logging.privateLogViewer",
    "roles/logging.viewAccessor",
    "roles/storage.objectViewer",  # project-wide: every bucket's objects
    "roles/storage.objectUser",
    "roles/storage.objectAdmin",
    "roles/aiplatform.user",
    "roles/aiplatform.admin",
}
# What the build accounts hold, exactly: build logs and the configuration reader (project), the
# state and the source archive read, and the plans/ folder written (the state bucket, conditioned).
BUILD_PROJECT_ROLES = {"roles/logging.logWriter", "custom:ci_plan_reader"}
BUILD_RESOURCE_GRANTS = {
    "ci": {
        ("google_storage_bucket_iam_member", "roles/storage.objectViewer", "${var.state_bucket}"),
        (
            "google_storage_bucket_iam_member",
            "roles/storage.objectViewer",
            "${google_storage_bucket.source.name}",
        ),
    },
    "release_build": {
        ("google_storage_bucket_iam_member", "roles/storage.objectViewer", "${var.state_bucket}"),
        (
            "google_storage_bucket_iam_member",
            "roles/storage.objectViewer",
            "${google_storage_bucket.source.name}",
        ),
        ("google_storage_bucket_iam_member", "roles/storage.objectCreator", "${var.state_bucket}"),
    },
}
PLANS_ONLY = '"projects/_/buckets/${var.state_bucket}/objects/notion-agent/plans/"'


def _custom_permissions(tf: Terraform, role: str) -> list[str]:
    if not role.startswith("custom:"):
        return []
    return list(tf.resources["google_project_iam_custom_role"][role.removeprefix("custom:")]["permissions"])


def _reads_data(tf: Terraform, role: str) -> list[str]:
    """Why ``role`` reads tenant data: itself (a predefined data role) or its data permissions."""
    found = [role] if role in DATA_ROLES else []
    return found + [p for p in _custom_permissions(tf, role) if p.startswith(DATA_PERMISSIONS)]


def build_account_problems(tf: Terraform) -> list[str]:
    """Every way the accounts running third-party code could read data or change the project."""
    problems = []
    for account in sorted(THIRD_PARTY_RUNNERS):
        roles = {role for _, a, role, _ in project_grants(tf) if a == account}
        if roles != BUILD_PROJECT_ROLES:
            problems.append(
                f"{account} holds project roles {sorted(roles)}, not {sorted(BUILD_PROJECT_ROLES)}"
            )
        problems += [f"{account}: {role} reads {why}" for role in roles for why in _reads_data(tf, role)]
        for role in roles:
            problems += [
                f"{account}: {role} may {p} (more than read)"
                for p in _custom_permissions(tf, role)
                if not p.endswith((".get", ".getIamPolicy", ".list", ".getMetadata", ".use"))
            ]
        held = set()
        for (rtype, name), (role, who) in resource_grants(tf).items():
            if who == account:
                held.add((rtype, role, str(tf.resources[rtype][name].get("bucket", name))))
        if held != BUILD_RESOURCE_GRANTS[account]:
            problems.append(f"{account} holds resource grants {sorted(held)}")
    creator = tf.resources["google_storage_bucket_iam_member"]["release_build_stores_plans"]
    if PLANS_ONLY not in json.dumps(creator.get("condition", [])).replace('\\"', '"'):
        problems.append("release_build may write the state bucket outside notion-agent/plans/")
    return problems


def deployer_problems(tf: Terraform) -> list[str]:
    """Roles of the deployer that read tenant data, secret values, task payloads or logs."""
    roles = {role for _, a, role, _ in project_grants(tf) if a == "deployer"}
    return [f"deployer: {role} reads {why}" for role in sorted(roles) for why in _reads_data(tf, role)]


def test_the_accounts_that_run_third_party_code_read_no_data_and_change_nothing(tf: Terraform) -> None:
    assert build_account_problems(tf) == []


def test_a_data_role_given_to_a_build_account_is_caught(tf: Terraform) -> None:
    for role in ("roles/datastore.viewer", "roles/secretmanager.secretAccessor", "roles/run.admin"):
        changed = copy.deepcopy(tf.locals)
        changed["project_roles"]["release_build"].append(role)
        assert any(role in p for p in build_account_problems(dataclasses.replace(tf, locals=changed))), role
    resources = copy.deepcopy(tf.resources)
    resources["google_storage_bucket_iam_member"]["release_build_stores_plans"]["condition"] = []
    assert build_account_problems(dataclasses.replace(tf, resources=resources)) == [
        "release_build may write the state bucket outside notion-agent/plans/"
    ]


def test_the_deployer_reads_no_tenant_data(tf: Terraform) -> None:
    assert deployer_problems(tf) == []
    roles = {role for _, a, role, _ in project_grants(tf) if a == "deployer"}
    assert {"custom:deployer_firestore", "custom:deployer_secrets", "roles/cloudtasks.queueAdmin"} <= roles


def test_the_deployer_regaining_a_data_role_is_caught(tf: Terraform) -> None:
    for role in ("roles/secretmanager.admin", "roles/datastore.owner", "roles/cloudtasks.admin"):
        changed = copy.deepcopy(tf.locals)
        changed["project_roles"]["deployer"].append(role)
        assert deployer_problems(dataclasses.replace(tf, locals=changed)) == [
            f"deployer: {role} reads {role}"
        ]
    resources = copy.deepcopy(tf.resources)
    resources["google_project_iam_custom_role"]["deployer_secrets"]["permissions"].append(
        "secretmanager.versions.access"
    )
    assert deployer_problems(dataclasses.replace(tf, resources=resources)) == [
        "deployer: custom:deployer_secrets reads secretmanager.versions.access"
    ]


def test_only_the_approved_apply_build_runs_as_the_deployer() -> None:
    triggers = build_triggers()
    deployer = '${google_service_account.platform["deployer"].id}'
    as_deployer = {name: t for name, t in triggers.items() if t["service_account"] == deployer}
    assert list(as_deployer) == ["apply"]
    assert as_deployer["apply"]["approval_config"][0]["approval_required"] is True
    for name, trigger in triggers.items():
        if trigger.get("filename") == "cloudbuild.yaml":  # installs and tests: third-party code
            account = re.search(r'platform\["(\w+)"\]', trigger["service_account"])
            assert account and account.group(1) in THIRD_PARTY_RUNNERS, name
    # The apply build installs nothing and runs no test: only gcloud, terraform and the stored files.
    assert not re.search(r"\b(npm|uv|pip|make)\b", CLOUDBUILD_APPLY.read_text())


def test_docs_iam_gives_a_reason_for_each_role_the_deployer_keeps(tf: Terraform) -> None:
    text = (ROOT / "docs" / "iam.md").read_text()
    section = text.split("### The deployer's roles", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([^`]+)` \| (.+?) \|$", section, re.M))
    roles = {role.removeprefix("custom:") for _, a, role, _ in project_grants(tf) if a == "deployer"}
    assert set(rows) == roles
    assert all(len(reason.split()) >= 4 for reason in rows.values())
