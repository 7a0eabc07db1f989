"""Least privilege: no basic roles, every grant in one reviewed table, public only where designed.

The tables below are the review: ALLOWLIST and CONDITIONAL (project-level roles and who may hold
them), RESOURCE_GRANTS (every grant on a single resource) and PUBLIC (every grant to a principal
outside the project). A grant terraform/ makes that no table lists fails, and so does a table row
that terraform/ no longer grants. docs/iam.md says why each exists.
"""

import copy
import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from tests.support.infra.infra_iam import (
    DATA_PERMISSIONS,
    PUBLIC_FUNCTIONS,
    project_grants,
    resource_grants,
)
from tools.infra_drift import Terraform, for_each_function_keys, function_ingress

FUNCTIONS = {"oauth_callback", "notion_webhook", "plan", "execute_step", "deploy", "notify", "api"}
FORBIDDEN = {"roles/owner", "roles/editor"}

# Project-level roles, and who may hold them. Each has no narrower resource to be granted on.
ALLOWLIST: dict[str, set[str]] = {
    "roles/datastore.user": FUNCTIONS,  # Firestore IAM stops at the database
    # The model callers (deploy: argument repair; api: POST /ask; eval: make eval-agents' build), with
    # aiplatform.endpoints.predict only (roles/aiplatform.user held datasets, endpoints, jobs...).
    "custom:model_caller": {"plan", "execute_step", "deploy", "api", "eval"},
    "custom:ranker": {"execute_step"},  # search_workspace's reranker: the ranking API's one permission
    "roles/logging.logWriter": {"builder", "deployer", "ci", "release_build", "eval"},  # build logs
    # Google's custom build service account example (docs/iam.md): the image push, and the source
    # that 2nd-gen builds fetch from Google's managed gcf-v2-sources-* bucket in this project.
    "roles/artifactregistry.writer": {"builder"},
    "roles/storage.objectAdmin": {"builder"},
    # Creating a secret is checked on the project: no name condition can hold it (docs/iam.md).
    "custom:secret_creator": {"oauth_callback", "api"},
    # terraform apply: every resource type of the configuration (deploy pipeline only).
    **{
        role: {"deployer"}
        for role in (
            "roles/artifactregistry.admin",
            "roles/cloudbuild.builds.editor",
            "roles/cloudfunctions.admin",
            "roles/cloudscheduler.admin",
            "roles/cloudtasks.queueAdmin",
            "roles/compute.loadBalancerAdmin",  # the public load balancer (loadbalancer.tf)
            "roles/compute.securityAdmin",  # its optional Cloud Armor policy
            "custom:deployer_firestore",
            "roles/iam.roleAdmin",
            "roles/iam.serviceAccountAdmin",
            "roles/iam.serviceAccountUser",
            "roles/logging.configWriter",
            "roles/monitoring.editor",
            "roles/pubsub.editor",  # mail.tf's topic and push subscription
            "roles/run.admin",
            "custom:deployer_secrets",
            "roles/serviceusage.serviceUsageAdmin",
            "roles/storage.admin",
        )
    },
    # terraform plan on pull requests: read configuration and IAM, no secret values, no documents.
    "custom:ci_plan_reader": {"ci", "release_build"},
}
# Project-level roles allowed only with an IAM condition: who may hold each, and what the condition
# must then contain (one of these pairs).
CONDITIONAL: dict[str, list[tuple[set[str], str]]] = {
    "roles/secretmanager.secretAccessor": [
        # Tenant tokens: the Notion callers (plan, execute-step, notify's comments) and api's revoke.
        ({"plan", "execute_step", "notify", "api"}, "/secrets/notion-token-"),
        # GitHub/Vercel tokens: deploy alone reads them.
        ({"deploy"}, "/secrets/code-token-"),
        # Slack bot tokens: notify (notifications) and api (an event's answer in its thread, decision 0173).
        ({"notify", "api"}, "/secrets/chat-token-"),
        # The Linear sync's key and webhook secret: api (intake, disconnect) and plan (the mirror);
        # execute-step: a run's tracker writes (and an OAuth token's refresh, decision 0125); deploy:
        # GitLab's token for the code pipeline's merge requests (decision 0126). Not notify (0202).
        ({"api", "plan", "execute_step", "deploy"}, '/secrets/sync-"'),
        # Outgoing webhooks' signing keys, on their own prefix (decision 0202): notify signs, api
        # shows a create's repeat (the keys registered before 0202: on theirs too).
        ({"notify", "api"}, '/secrets/webhook-"'),
        # Agents' mailboxes' refresh tokens: api reads Gmail when Pub/Sub pushes (decision 0219), notify
        # replies in a mail thread as the agent's mailbox, plan renews the watches.
        ({"api", "notify", "plan"}, "/secrets/mail-"),
        # People's calendars' refresh tokens: api reads a calendar on its push, plan renews its
        # channel on the calendar tick (decision 0193).
        ({"api", "plan"}, "/secrets/calendar-"),
    ],
    # A refreshed token is a new version of the tenant's secret (NotionAccess._refresh).
    # ... and the version it replaces is destroyed (SecretStore.put): custom role, add + destroy only.
    "custom:notion_token_rotator": [
        ({"plan", "execute_step", "notify"}, "/secrets/notion-token-"),
        # the sync's secrets, written on connect and reconnect, and an OAuth token's refresh (0125)
        ({"api", "plan", "execute_step"}, "/secrets/sync-"),
        # Connect Google's redirect keeps a mailbox's or a calendar's refresh token (docs/mail.md)
        ({"api"}, "/secrets/mail-"),
    ],
    "custom:notion_token_writer": [({"oauth_callback"}, "/secrets/notion-token-")],
    "custom:notion_token_revoker": [
        ({"api", "oauth_callback"}, "/secrets/notion-token-"),
        ({"api"}, "/secrets/sync-"),  # the sync's secrets, deleted on disconnect
        ({"api"}, "/secrets/mail-"),  # agents' mailboxes' tokens, deleted when the workspace is erased
    ],
    # api keeps the integrations' tokens and the outgoing webhooks' signing keys (decision 0202).
    "custom:code_token_keeper": [({"api"}, "/secrets/code-token-")],
    "roles/resourcemanager.projectIamAdmin": [({"deployer"}, "modifiedGrantsByRole")],
}

_GMAIL_PUBLISHER = "serviceAccount:gmail-api-push@system.gserviceaccount.com"
_PUBSUB_AGENT = (
    "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
)
_TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator"
# Every grant on a single resource: (resource type, name) -> (role, who). "who" is the account key of
# google_service_account.function/platform, or a Terraform expression for the for_each forms.
RESOURCE_GRANTS: dict[tuple[str, str], tuple[str, str]] = {
    ("google_storage_bucket_iam_member", "ci_reads_source"): ("roles/storage.objectViewer", "ci"),
    ("google_storage_bucket_iam_member", "deployer_state"): ("roles/storage.objectAdmin", "deployer"),
    ("google_storage_bucket_iam_member", "ci_state"): ("roles/storage.objectViewer", "ci"),
    # The push-to-main build: what ci reads, and its stored plan (a condition: plans/ only).
    ("google_storage_bucket_iam_member", "release_build_state"): (
        "roles/storage.objectViewer",
        "release_build",
    ),
    ("google_storage_bucket_iam_member", "release_build_reads_source"): (
        "roles/storage.objectViewer",
        "release_build",
    ),
    ("google_storage_bucket_iam_member", "release_build_stores_plans"): (
        "roles/storage.objectCreator",
        "release_build",
    ),
    # The console's upload after an approved apply (cloudbuild-apply.yaml): objects of that bucket only.
    ("google_storage_bucket_iam_member", "deployer_publishes_console"): (
        "roles/storage.objectUser",
        "deployer",
    ),
    ("google_cloud_run_v2_service_iam_member", "tasks_invoker"): ("roles/run.invoker", "tasks_invoker"),
    ("google_cloud_run_v2_service_iam_member", "scheduler_invoker"): ("roles/run.invoker", "scheduler"),
    ("google_service_account_iam_member", "enqueuers_act_as_tasks_invoker"): (
        "roles/iam.serviceAccountUser",
        "each.key",  # the enqueuers, on the tasks_invoker account only
    ),
    ("google_secret_manager_secret_iam_member", "readers"): (
        "roles/secretmanager.secretAccessor",
        "each.value.account",  # local.platform_secrets' readers, per secret
    ),
    ("google_secret_manager_secret_iam_member", "version_adders"): (
        "roles/secretmanager.secretVersionAdder",
        "each.value.account",  # local.platform_secrets' version_adders, per secret
    ),
    ("google_cloud_tasks_queue_iam_member", "enqueuers"): (
        "roles/cloudtasks.enqueuer",
        "each.value.enqueuer",
    ),
    # Agents' mailboxes (mail.tf): Gmail's own publisher on the topic, as Google's push guide asks, and
    # Pub/Sub's service agent minting the push's OIDC tokens as gmail_push.
    ("google_pubsub_topic_iam_member", "gmail_publishes"): ("roles/pubsub.publisher", _GMAIL_PUBLISHER),
    ("google_service_account_iam_member", "pubsub_signs_as_gmail_push"): (_TOKEN_CREATOR, _PUBSUB_AGENT),
    # PUBLIC below: the two grants to principals outside the project.
    ("google_cloud_run_v2_service_iam_member", "public"): ("roles/run.invoker", "allUsers"),
    ("google_storage_bucket_iam_member", "console_public"): ("roles/storage.legacyObjectReader", "allUsers"),
}
# Grants to principals outside the project (allUsers, allAuthenticatedUsers, domain:, user:, group:).
# run.invoker for allUsers on the three public functions: Notion and browsers carry no Google identity,
# each function authenticates its caller itself. Reading the console's bucket: the load balancer
# reads a backend bucket's objects anonymously, and they are the files every browser downloads.
# Under domain-restricted sharing these bindings are refused; docs/iam.md gives the policy steps.
PUBLIC: dict[tuple[str, str], tuple[str, str]] = {
    ("google_cloud_run_v2_service_iam_member", "public"): ("roles/run.invoker", "allUsers"),
    ("google_storage_bucket_iam_member", "console_public"): ("roles/storage.legacyObjectReader", "allUsers"),
}
OUTSIDE_PRINCIPALS = ("allUsers", "allAuthenticatedUsers", "domain:", "user:", "group:", "principalSet:")


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
    assert ("plan", "custom:model_caller") in grants
    assert ("execute_step", "custom:ranker") in grants
    assert ("oauth_callback", "custom:notion_token_writer") in grants
    assert ("oauth_callback", "custom:notion_token_revoker") in grants
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
    assert sorted(public_values) == [
        (".google_cloud_run_v2_service_iam_member.public.member", "allUsers"),
        (".google_storage_bucket_iam_member.console_public.member", "allUsers"),
    ]
    console = tf.resources["google_storage_bucket_iam_member"]["console_public"]
    assert console["bucket"] == "${google_storage_bucket.console.name}"
    # Read an object by its name, never write, never list (objectViewer would list the bucket).
    assert console["role"] == "roles/storage.legacyObjectReader"
    binding = tf.resources["google_cloud_run_v2_service_iam_member"]["public"]
    assert set(for_each_function_keys(binding["for_each"], tf.locals["functions"])) == PUBLIC_FUNCTIONS
    public = {key for key, value in function_ingress(tf).items() if value == "ALLOW_INTERNAL_AND_GCLB"}
    assert public == PUBLIC_FUNCTIONS


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


GRANTABLE_ROLES = (
    "${distinct(concat(flatten(values(local.project_roles)), local.grantable_predefined_roles, "
    "local.grantable_custom_roles))}"
)


def grantable(tf: Terraform) -> set[str]:
    """The roles in the condition of the deployer's projectIamAdmin, in project_grants' spelling."""
    assert tf.locals["grantable_roles"] == GRANTABLE_ROLES, "grantable_roles changed shape: update this test"
    listed = [role for roles in tf.locals["project_roles"].values() for role in roles]
    roles = set(tf.locals["grantable_predefined_roles"])
    for role in [*listed, *tf.locals["grantable_custom_roles"]]:
        custom = re.fullmatch(r"\$\{google_project_iam_custom_role\.(\w+)\.name\}", role)
        assert custom or role.startswith("roles/"), role
        roles.add(f"custom:{custom.group(1)}" if custom else role)
    return roles


def ungrantable(tf: Terraform) -> list[str]:
    """Project-level grants whose role the deployer's condition does not allow: apply would be denied."""
    allowed = grantable(tf)
    return [
        f"google_project_iam_member.{name}: {role} for {account} is not in local.grantable_roles"
        for name, account, role, _ in project_grants(tf)
        if name != "deployer_iam_admin" and role not in allowed
    ]


def test_the_deployer_may_grant_every_project_level_role_of_the_configuration(tf: Terraform) -> None:
    assert ungrantable(tf) == []
    condition = tf.resources["google_project_iam_member"]["deployer_iam_admin"]["condition"][0]["expression"]
    assert "local.grantable_roles" in condition and "modifiedGrantsByRole" in condition


def test_the_deployer_may_grant_nothing_the_configuration_does_not(tf: Terraform) -> None:
    granted = {role for name, _, role, _ in project_grants(tf) if name != "deployer_iam_admin"}
    assert grantable(tf) - granted == set()
    assert "roles/resourcemanager.projectIamAdmin" not in grantable(tf)


def test_a_binding_with_an_ungrantable_custom_role_is_caught(tf: Terraform) -> None:
    new_locals = copy.deepcopy(tf.locals)
    new_locals["grantable_custom_roles"].remove("${google_project_iam_custom_role.code_token_keeper.name}")
    assert ungrantable(dataclasses.replace(tf, locals=new_locals)) == [
        "google_project_iam_member.code_token_keepers: custom:code_token_keeper for api is not in "
        "local.grantable_roles"
    ]


def test_the_ci_account_reads_configuration_and_no_data(tf: Terraform) -> None:
    permissions = tf.resources["google_project_iam_custom_role"]["ci_plan_reader"]["permissions"]
    assert [p for p in permissions if p.startswith(DATA_PERMISSIONS)] == []
    assert all(p.endswith((".get", ".getIamPolicy", ".list", ".getMetadata", ".use")) for p in permissions)
    for account in ("ci", "release_build"):
        roles = {role for _, a, role, _ in project_grants(tf) if a == account}
        assert roles == {"custom:ci_plan_reader", "roles/logging.logWriter"}, account


def test_the_ci_role_can_refresh_every_resource_type(tf: Terraform) -> None:
    """A type without its read permission fails the pull-request plan with a 403."""
    needs = {
        "google_artifact_registry_repository": "artifactregistry.repositories.get",
        "google_artifact_registry_repository_iam_member": "artifactregistry.repositories.getIamPolicy",
        "google_cloud_run_v2_service_iam_member": "run.services.getIamPolicy",
        "google_cloud_scheduler_job": "cloudscheduler.jobs.get",
        "google_cloud_tasks_queue": "cloudtasks.queues.get",
        "google_cloud_tasks_queue_iam_member": "cloudtasks.queues.getIamPolicy",
        "google_cloudbuild_trigger": "cloudbuild.builds.get",
        "google_cloudfunctions2_function": "cloudfunctions.functions.get",
        "google_compute_backend_bucket": "compute.backendBuckets.get",
        "google_compute_backend_service": "compute.backendServices.get",
        "google_compute_global_address": "compute.globalAddresses.get",
        "google_compute_global_forwarding_rule": "compute.globalForwardingRules.get",
        "google_compute_managed_ssl_certificate": "compute.sslCertificates.get",
        "google_compute_region_network_endpoint_group": "compute.regionNetworkEndpointGroups.get",
        "google_compute_security_policy": "compute.securityPolicies.get",
        "google_compute_ssl_policy": "compute.sslPolicies.get",
        "google_compute_target_http_proxy": "compute.targetHttpProxies.get",
        "google_compute_target_https_proxy": "compute.targetHttpsProxies.get",
        "google_compute_url_map": "compute.urlMaps.get",
        "google_firestore_backup_schedule": "datastore.backupSchedules.get",
        "google_firestore_database": "datastore.databases.get",
        "google_firestore_field": "datastore.indexes.get",
        "google_firestore_index": "datastore.indexes.get",
        "google_logging_metric": "logging.logMetrics.get",
        "google_monitoring_alert_policy": "monitoring.alertPolicies.get",
        "google_monitoring_dashboard": "monitoring.dashboards.get",
        "google_monitoring_uptime_check_config": "monitoring.uptimeCheckConfigs.get",
        "google_monitoring_notification_channel": "monitoring.notificationChannels.get",
        "google_pubsub_subscription": "pubsub.subscriptions.get",
        "google_pubsub_topic": "pubsub.topics.get",
        "google_pubsub_topic_iam_member": "pubsub.topics.getIamPolicy",
        "google_project_iam_custom_role": "iam.roles.get",
        "google_project_iam_member": "resourcemanager.projects.getIamPolicy",
        "google_project_iam_audit_config": "resourcemanager.projects.getIamPolicy",
        "google_project_service": "serviceusage.services.get",
        "google_secret_manager_secret": "secretmanager.secrets.get",
        "google_secret_manager_secret_iam_member": "secretmanager.secrets.getIamPolicy",
        "google_service_account": "iam.serviceAccounts.get",
        "google_service_account_iam_member": "iam.serviceAccounts.getIamPolicy",
        "google_storage_bucket": "storage.buckets.get",
        "google_storage_bucket_iam_member": "storage.buckets.getIamPolicy",
        # Read through grants on the resource, not the project role:
        "google_storage_bucket_object": None,  # ci_reads_source (objectViewer on the source bucket)
        "time_sleep": None,  # no Google resource: a wait recorded in the state
        "google_billing_budget": None,  # roles/billing.viewer on the billing account (docs/deploy.md)
    }
    assert set(tf.resources) <= set(needs), "a new resource type: add the permission that reads it"
    permissions = set(tf.resources["google_project_iam_custom_role"]["ci_plan_reader"]["permissions"])
    assert {p for p in needs.values() if p} <= permissions
    reader = tf.resources["google_storage_bucket_iam_member"]["ci_reads_source"]
    assert reader["bucket"] == "${google_storage_bucket.source.name}"
    assert reader["role"] == "roles/storage.objectViewer"


# What the console's upload does (cloudbuild-apply.yaml): create objects, replace index.html (a
# replacement deletes the object it replaces), read them back. Never an IAM policy.
CONSOLE_UPLOAD_ROLE = "roles/storage.objectUser"


def test_the_deployer_writes_the_consoles_objects_and_nothing_else_of_it(tf: Terraform) -> None:
    grant = tf.resources["google_storage_bucket_iam_member"]["deployer_publishes_console"]
    assert grant["bucket"] == "${google_storage_bucket.console.name}"
    assert grant["role"] == CONSOLE_UPLOAD_ROLE
    assert grant["member"] == 'serviceAccount:${google_service_account.platform["deployer"].email}'
    # The console's bucket is granted to no other account, and to none with admin or IAM rights.
    on_console = [
        (name, body["role"])
        for name, body in tf.resources["google_storage_bucket_iam_member"].items()
        if body["bucket"] == "${google_storage_bucket.console.name}"
    ]
    assert sorted(on_console) == [
        ("console_public", "roles/storage.legacyObjectReader"),
        ("deployer_publishes_console", CONSOLE_UPLOAD_ROLE),
    ]
    # No project-level role was added for it: the allowlist above holds every project role.
    assert not [g for g in project_grants(tf) if g[2] == CONSOLE_UPLOAD_ROLE]


def test_every_resource_grant_is_in_the_reviewed_table(tf: Terraform) -> None:
    assert resource_grants(tf) == RESOURCE_GRANTS


def test_grants_outside_the_project_are_only_the_reviewed_public_ones(tf: Terraform) -> None:
    outside = {
        key: grant for key, grant in resource_grants(tf).items() if grant[1].startswith(OUTSIDE_PRINCIPALS)
    }
    assert outside == PUBLIC
    project_members = [str(b["member"]) for b in tf.resources["google_project_iam_member"].values()]
    assert [m for m in project_members if m.startswith(OUTSIDE_PRINCIPALS)] == []


def test_a_new_public_grant_is_caught(tf: Terraform) -> None:
    resources = copy.deepcopy(tf.resources)
    resources["google_storage_bucket_iam_member"]["ci_state"]["member"] = "allAuthenticatedUsers"
    grants = resource_grants(dataclasses.replace(tf, resources=resources))
    assert grants != RESOURCE_GRANTS
    assert grants[("google_storage_bucket_iam_member", "ci_state")][1] == "allAuthenticatedUsers"


# Permissions checked on the parent (the project) when a resource is created: a condition on the new
# resource's name cannot match them, so a conditioned grant of one is a 403 at run time.
CHECKED_ON_PARENT = ("secretmanager.secrets.create",)


def test_no_conditioned_grant_relies_on_a_create_permission(tf: Terraform) -> None:
    custom = tf.resources["google_project_iam_custom_role"]
    conditioned = [
        (name, role)
        for name, _, role, condition in project_grants(tf)
        if condition and role.startswith("custom:")
    ]
    assert conditioned, "no conditioned custom-role grant seen: the check looks at nothing"
    offending = [
        (name, role)
        for name, role in conditioned
        if set(custom[role.removeprefix("custom:")]["permissions"]) & set(CHECKED_ON_PARENT)
    ]
    assert offending == []
    creators = {
        account for name, account, role, condition in project_grants(tf) if role == "custom:secret_creator"
    }
    assert creators == {"oauth_callback", "api"}
    assert all(
        not condition for _, _, role, condition in project_grants(tf) if role == "custom:secret_creator"
    )


BUILDER_EXAMPLE_ROLES = {
    "roles/logging.logWriter",
    "roles/artifactregistry.writer",
    "roles/storage.objectAdmin",
}


def test_the_builder_has_the_roles_of_googles_example_and_functions_wait_for_iam(tf: Terraform) -> None:
    assert set(tf.locals["project_roles"]["builder"]) == BUILDER_EXAMPLE_ROLES
    wait = tf.resources["time_sleep"]["iam_propagation"]
    assert "google_project_iam_member.project_roles" in str(wait["triggers"])
    for name, body in tf.resources["google_cloudfunctions2_function"].items():
        assert "${time_sleep.iam_propagation}" in body["depends_on"], name
        assert (
            body["build_config"][0]["service_account"] == '${google_service_account.platform["builder"].id}'
        )


def test_alerts_on_log_metrics_wait_for_the_metrics(tf: Terraform) -> None:
    wait = tf.resources["time_sleep"]["log_metrics"]
    assert "google_logging_metric.metric" in str(wait["triggers"])
    for name, policy in tf.resources["google_monitoring_alert_policy"].items():
        if "logging.googleapis.com/user/" in str(policy["conditions"]):
            assert "${time_sleep.log_metrics}" in policy.get("depends_on", []), name


def test_model_calls_and_reranking_hold_one_permission_each(tf: Terraform) -> None:
    """The role roles/aiplatform.user was broader than the calls; the ranking API was never enabled."""
    custom = tf.resources["google_project_iam_custom_role"]
    assert custom["model_caller"]["permissions"] == ["aiplatform.endpoints.predict"]
    assert custom["ranker"]["permissions"] == ["discoveryengine.rankingConfigs.rank"]
    assert {"aiplatform.googleapis.com", "discoveryengine.googleapis.com"} <= set(tf.locals["apis"])
    assert not [g for g in project_grants(tf) if g[2].startswith("roles/aiplatform.")]
