"""Shared by several test modules: helpers first written for ``tests/infra/iam/test_iam.py`` and
``tests/infra/deploy/test_cloudbuild.py`` (the grants Terraform makes, the build triggers)."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools.infra_drift import Terraform

ROOT = Path(__file__).resolve().parents[3]
CLOUDBUILD_APPLY = ROOT / "cloudbuild-apply.yaml"

# docs/architecture.md, "Functions, queues, jobs"
PUBLIC_FUNCTIONS = {"oauth_callback", "notion_webhook", "api"}

_ACCOUNT = re.compile(r'google_service_account\.\w+\["?([\w.]+)"?\]')


def _expand_for_each(body: dict[str, Any], tf: Terraform) -> list[dict[str, str]]:
    """Each instance's each.key/each.value.* for the for_each forms used with project IAM."""
    for_each = body.get("for_each")
    if for_each is None:
        return [{}]
    if for_each == "${local.project_role_bindings}":
        return [
            {"each.value.account": account, "each.value.role": role}
            for account, roles in tf.locals["project_roles"].items()
            for role in roles
        ]
    # ``toset(local.X)``, or ``local.<switch> ? toset(local.X) : toset([])``: the grants when switched on
    match = re.fullmatch(
        r"\$\{(?:local\.\w+ \? )?toset\(local\.(\w+)\)(?: : toset\(\[\]\))?\}", str(for_each)
    )
    if match:
        return [{"each.key": key} for key in tf.locals[match.group(1)]]
    raise AssertionError(f"unsupported for_each on a project IAM resource: {for_each}")


def project_grants(tf: Terraform) -> Iterator[tuple[str, str, str, str]]:
    """(resource, account, role, condition expression) for every project-level grant."""
    for name, body in tf.resources.get("google_project_iam_member", {}).items():
        condition = str((body.get("condition") or [{}])[0].get("expression", ""))
        for _ in range(3):  # interpolate string locals, e.g. local.tenant_token_prefix
            condition = re.sub(r"\$\{local\.(\w+)\}", lambda m: str(tf.locals[m.group(1)]), condition)
        for instance in _expand_for_each(body, tf):
            role = str(body["role"])
            if role == "${each.value.role}":
                role = instance["each.value.role"]
            custom = re.fullmatch(r"\$\{google_project_iam_custom_role\.(\w+)\.name\}", role)
            role = f"custom:{custom.group(1)}" if custom else role
            member = str(body["member"])
            if "local.account_emails[each.value.account]" in member:
                account = instance["each.value.account"]
            else:
                found = _ACCOUNT.search(member)
                assert found, f"google_project_iam_member.{name}: member {member} is not one of our accounts"
                account = instance["each.key"] if found.group(1) == "each.key" else found.group(1)
            yield name, account, role, condition


def resource_grants(tf: Terraform) -> dict[tuple[str, str], tuple[str, str]]:
    """Every *_iam_member on a single resource as (type, name) -> (role, who), as the tables spell it."""
    found = {}
    for rtype, named in tf.resources.items():
        if not rtype.endswith("_iam_member") or rtype == "google_project_iam_member":
            continue
        for name, body in named.items():
            member = str(body["member"])
            account = _ACCOUNT.search(member)
            inner = re.search(r"\[(each\.[\w.]+)\]", member)
            who = (inner.group(1) if inner else account.group(1)) if account else member
            found[(rtype, name)] = (str(body["role"]), who)
    return found


# Permissions that read tenant data (or the values a plan never needs): never for the CI account,
# which runs a pull request's own cloudbuild.yaml.
DATA_PERMISSIONS = (
    "datastore.entities.",
    "logging.logEntries.",
    "logging.views.access",
    "secretmanager.versions.access",
    "cloudtasks.tasks.",
    "storage.objects.",
    "aiplatform.",
)


def build_triggers() -> dict[str, Any]:
    import hcl2

    from tools.infra_drift import HCL_OPTIONS

    doc = hcl2.loads((ROOT / "terraform" / "cicd.tf").read_text(), serialization_options=HCL_OPTIONS)
    return {
        name: body for block in doc["resource"] for name, body in block["google_cloudbuild_trigger"].items()
    }
