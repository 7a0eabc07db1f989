"""Least privilege: no basic roles, project-level roles only from the allowlist, public only where designed."""

import copy
import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from tools.infra_drift import Terraform, for_each_function_keys

FUNCTIONS = {"oauth_callback", "notion_webhook", "plan", "execute_step", "deploy", "notify", "api"}
PUBLIC_FUNCTIONS = {"oauth_callback", "notion_webhook", "api"}  # DESIGN.md, "Functions"
FORBIDDEN = {"roles/owner", "roles/editor"}

# Project-level roles, and who may hold them. Each has no narrower resource to be granted on.
ALLOWLIST: dict[str, set[str]] = {
    "roles/datastore.user": FUNCTIONS,  # Firestore IAM stops at the database
    "roles/aiplatform.user": {
        "plan",
        "execute_step",
        "deploy",
    },  # the model callers (deploy: argument repair)
    "roles/logging.logWriter": {"builder", "deployer", "ci"},  # build logs
    # terraform apply: every resource type of the configuration (deploy pipeline only).
    **{
        role: {"deployer"}
        for role in (
            "roles/artifactregistry.admin",
            "roles/cloudbuild.builds.editor",
            "roles/cloudfunctions.admin",
            "roles/cloudscheduler.admin",
            "roles/cloudtasks.admin",
            "roles/compute.loadBalancerAdmin",  # the public load balancer (loadbalancer.tf)
            "roles/compute.securityAdmin",  # its optional Cloud Armor policy
            "roles/datastore.owner",
            "roles/iam.roleAdmin",
            "roles/iam.serviceAccountAdmin",
            "roles/iam.serviceAccountUser",
            "roles/logging.configWriter",
            "roles/monitoring.editor",
            "roles/run.admin",
            "roles/secretmanager.admin",
            "roles/serviceusage.serviceUsageAdmin",
            "roles/storage.admin",
        )
    },
    # terraform plan on pull requests: read configuration and IAM, no secret values, no documents.
    "roles/viewer": {"ci"},
    "roles/iam.securityReviewer": {"ci"},
}
# Project-level roles allowed only with an IAM condition: who may hold each, and what the condition
# must then contain (one of these pairs).
CONDITIONAL: dict[str, list[tuple[set[str], str]]] = {
    "roles/secretmanager.secretAccessor": [
        # Tenant tokens: the Notion callers (plan, execute-step, notify's comments) and api's revoke.
        ({"plan", "execute_step", "notify", "api"}, "/secrets/notion-token-"),
        # GitHub/Vercel tokens: deploy alone reads them.
        ({"deploy"}, "/secrets/code-token-"),
        # Slack bot tokens: notify alone reads them.
        ({"notify"}, "/secrets/chat-token-"),
    ],
    # A refreshed token is a new version of the tenant's secret (NotionAccess._refresh).
    # ... and the version it replaces is destroyed (SecretStore.put): custom role, add + destroy only.
    "custom:notion_token_rotator": [({"plan", "execute_step", "notify"}, "/secrets/notion-token-")],
    "custom:notion_token_writer": [({"oauth_callback"}, "/secrets/notion-token-")],
    "custom:notion_token_revoker": [({"api"}, "/secrets/notion-token-")],
    "custom:code_token_keeper": [({"api"}, "/secrets/code-token-")],
    "roles/resourcemanager.projectIamAdmin": [({"deployer"}, "modifiedGrantsByRole")],
}

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
    match = re.fullmatch(r"\$\{toset\(local\.(\w+)\)\}", str(for_each))
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


def violations(tf: Terraform) -> list[str]:
    found = []
    for rtype in ("google_project_iam_binding", "google_project_iam_policy"):
        found += [
            f"{rtype}.{name} is authoritative: use google_project_iam_member"
            for name in tf.resources.get(rtype, {})
        ]
    for name, account, role, condition in project_grants(tf):
        if role in FORBIDDEN:
            found.append(f"{name}: {account} holds {role}")
        elif condition and role in CONDITIONAL:
            if not any(
                account in holders and required in condition for holders, required in CONDITIONAL[role]
            ):
                found.append(f"{name}: {account} may not hold {role} with condition {condition!r}")
        elif account not in ALLOWLIST.get(role, set()):
            found.append(f"{name}: project-wide {role} for {account} is not in the allowlist")
    return found


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(inner, f"{path}[{index}]")
    else:
        yield path, value


def test_no_basic_roles_anywhere(tf: Terraform) -> None:
    everything = list(_walk(tf.resources)) + list(_walk(tf.locals))
    assert [path for path, value in everything if value in FORBIDDEN] == []


def test_project_level_roles_are_allowlisted(tf: Terraform) -> None:
    assert violations(tf) == []


def test_project_grants_are_seen_by_the_check(tf: Terraform) -> None:
    grants = {(account, role) for _, account, role, _ in project_grants(tf)}
    assert ("plan", "roles/aiplatform.user") in grants
    assert ("oauth_callback", "custom:notion_token_writer") in grants
    assert ("plan", "custom:notion_token_rotator") in grants
    # notion-webhook reads and writes its one secret through grants on that secret, never project-wide.
    assert not any(account == "notion_webhook" and "secretmanager" in role for account, role in grants)


def test_a_granted_editor_role_is_caught(tf: Terraform) -> None:
    new_locals = copy.deepcopy(tf.locals)
    new_locals["project_roles"]["api"].append("roles/editor")
    assert any("roles/editor" in v for v in violations(dataclasses.replace(tf, locals=new_locals)))


def test_an_unlisted_project_role_is_caught(tf: Terraform) -> None:
    new_locals = copy.deepcopy(tf.locals)
    new_locals["project_roles"]["notify"].append("roles/aiplatform.user")
    assert any(
        "aiplatform.user for notify" in v for v in violations(dataclasses.replace(tf, locals=new_locals))
    )


def test_an_unconditioned_token_reader_is_caught(tf: Terraform) -> None:
    resources = copy.deepcopy(tf.resources)
    del resources["google_project_iam_member"]["tenant_token_readers"]["condition"]
    assert violations(dataclasses.replace(tf, resources=resources))


def test_one_service_account_per_function(tf: Terraform) -> None:
    accounts = tf.resources["google_service_account"]["function"]
    assert accounts["for_each"] == "${local.functions}"
    for body in tf.resources["google_cloudfunctions2_function"].values():
        assert (
            body["service_config"][0]["service_account_email"]
            == "${google_service_account.function[each.key].email}"
        )


def test_public_invokers_only_on_the_public_functions(tf: Terraform) -> None:
    public_values = [
        (path, v) for path, v in _walk(tf.resources) if v in ("allUsers", "allAuthenticatedUsers")
    ]
    assert public_values == [(".google_cloud_run_v2_service_iam_member.public.member", "allUsers")]
    binding = tf.resources["google_cloud_run_v2_service_iam_member"]["public"]
    assert set(for_each_function_keys(binding["for_each"], tf.locals["functions"])) == PUBLIC_FUNCTIONS
    public_block = tf.resources["google_cloudfunctions2_function"]["public"]
    assert set(for_each_function_keys(public_block["for_each"], tf.locals["functions"])) == PUBLIC_FUNCTIONS


def test_invokers_are_granted_on_the_target_services(tf: Terraform) -> None:
    invokers = tf.resources["google_cloud_run_v2_service_iam_member"]
    for name in ("tasks_invoker", "scheduler_invoker"):
        assert invokers[name]["role"] == "roles/run.invoker"
        assert invokers[name]["name"] == "${local.deployed_functions[each.key].name}"
    targets = {q["target"] for q in tf.locals["queues"].values()}
    assert targets.isdisjoint(PUBLIC_FUNCTIONS)


def test_secret_readers_and_enqueuers_are_functions(tf: Terraform) -> None:
    for secret in tf.locals["platform_secrets"].values():
        assert set(secret["readers"]) <= FUNCTIONS
    for queue in tf.locals["queues"].values():
        assert set(queue["enqueuers"]) <= FUNCTIONS
    assert set(tf.locals["tenant_token_readers"]) <= FUNCTIONS - {"notion_webhook", "oauth_callback"}
    # Per-secret grants, never project-wide, for the platform secrets.
    readers = tf.resources["google_secret_manager_secret_iam_member"]["readers"]
    assert readers["role"] == "roles/secretmanager.secretAccessor"
    assert readers["secret_id"] == "${google_secret_manager_secret.platform[each.value.secret].id}"


def test_every_enqueuer_and_only_they_act_as_the_tasks_account(tf: Terraform) -> None:
    """A task carries an OIDC token for tasks_invoker: its creator needs actAs on that one account."""
    act_as = tf.resources["google_service_account_iam_member"]["enqueuers_act_as_tasks_invoker"]
    assert act_as["role"] == "roles/iam.serviceAccountUser"
    assert act_as["service_account_id"] == '${google_service_account.platform["tasks_invoker"].name}'
    assert act_as["for_each"] == "${toset(distinct(flatten([for queue in local.queues : queue.enqueuers])))}"
    holders = {fn for queue in tf.locals["queues"].values() for fn in queue["enqueuers"]}
    # notify re-enqueues quiet-hours notifications and sends reconnect notices (NotionAccess).
    assert "notify" in holders
    assert holders <= FUNCTIONS
