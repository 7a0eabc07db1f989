"""What makes it safe for the task functions to trust the claims of the token Cloud Run forwards
(decision 0046): only requests that passed Cloud Run's IAM with that token reach them, so their
invokers are the tasks and scheduler accounts alone, none is public, nothing turns the IAM check off,
and the local stand-in for Cloud Run's front grants exactly what terraform/iam.tf grants."""

import copy
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from local.stack import INVOKERS, SCHEDULER_SERVICE_ACCOUNT, TASKS_SERVICE_ACCOUNT, TIMEOUTS_S
from shared.platform.topology import Target
from tools.infra_drift import Terraform, for_each_function_keys, function_ingress

# The platform account each invoker binding names, and the local stack's stand-in for it.
ACCOUNTS = {
    'serviceAccount:${google_service_account.platform["tasks_invoker"].email}': TASKS_SERVICE_ACCOUNT,
    'serviceAccount:${google_service_account.platform["scheduler"].email}': SCHEDULER_SERVICE_ACCOUNT,
}
# How each invoker binding chooses its services: the targets of the queues, of the scheduler's jobs.
TARGETS_OF = {
    "${toset(distinct([for queue in local.queues : queue.target]))}": "queues",
    "${toset(distinct([for job in local.scheduler_jobs : job.target]))}": "scheduler_jobs",
}
PUBLIC_PRINCIPALS = ("allUsers", "allAuthenticatedUsers")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def task_functions(tf: Terraform) -> set[str]:
    return {key for key, fn in tf.locals["functions"].items() if not fn["public"]}


def invokers(tf: Terraform) -> dict[str, set[str]]:
    """run.invoker on each task function, as the local stack's accounts: every binding that can
    grant it on a task function (a binding terraform could read otherwise fails the test)."""
    granted: dict[str, set[str]] = {}
    for name, binding in tf.resources["google_cloud_run_v2_service_iam_member"].items():
        if binding["member"] in PUBLIC_PRINCIPALS:
            keys = for_each_function_keys(binding["for_each"], tf.locals["functions"])
            assert not task_functions(tf) & set(keys), f"{name} makes a task function public"
            continue
        assert binding["role"] == "roles/run.invoker" and binding["member"] in ACCOUNTS, name
        assert binding["name"] == "${local.deployed_functions[each.key].name}", name
        targets = {item["target"] for item in tf.locals[TARGETS_OF[binding["for_each"]]].values()}
        for target in targets:
            granted.setdefault(target, set()).add(ACCOUNTS[binding["member"]])
    return granted


def test_the_task_functions_are_invoked_by_the_tasks_and_scheduler_accounts_only(tf: Terraform) -> None:
    granted = invokers(tf)
    assert set(granted) == task_functions(tf)
    assert set(granted) == {t.value for t in INVOKERS}
    # The local front (local.cloud_run_front) lets through exactly whom Cloud Run's IAM would.
    assert granted == {t.value: set(accounts) for t, accounts in INVOKERS.items()}
    assert granted[Target.PLAN.value] == {TASKS_SERVICE_ACCOUNT, SCHEDULER_SERVICE_ACCOUNT}
    assert granted[Target.DEPLOY.value] == {TASKS_SERVICE_ACCOUNT}


def test_nothing_turns_cloud_runs_iam_check_off_or_opens_a_task_function(tf: Terraform) -> None:
    """invoker_iam_disabled (Cloud Run's "no invoker check") would pass any forged claims on; the
    task functions take only internal traffic, and no policy or binding resource could add members
    that the check above does not see."""
    assert not [value for key, value in _walk(tf.resources) if key == "invoker_iam_disabled"]
    for kind in ("google_cloud_run_v2_service_iam_binding", "google_cloud_run_v2_service_iam_policy"):
        assert kind not in tf.resources
    for kind in ("google_cloud_run_service_iam_member", "google_cloudfunctions2_function_iam_member"):
        assert kind not in tf.resources
    ingress = function_ingress(tf)
    assert {key for key, value in ingress.items() if value == "ALLOW_INTERNAL_ONLY"} == task_functions(tf)
    project_roles = [
        g for _, g in _walk(tf.resources["google_project_iam_member"]) if g == "roles/run.invoker"
    ]
    assert not project_roles


def test_the_check_sees_a_public_task_function(tf: Terraform) -> None:
    """The guard itself: allUsers granted on every function is caught."""
    resources = copy.deepcopy(tf.resources)
    everyone = {"for_each": "${local.functions}", "member": "allUsers", "role": "roles/run.invoker"}
    resources["google_cloud_run_v2_service_iam_member"]["everyone"] = everyone
    with pytest.raises(AssertionError, match="makes a task function public"):
        invokers(dataclasses.replace(tf, resources=resources))


def test_the_local_front_ends_each_task_functions_requests_at_its_terraform_timeout(tf: Terraform) -> None:
    functions = tf.locals["functions"]
    assert {t.value: timeout for t, timeout in TIMEOUTS_S.items()} == {
        key: functions[key]["timeout"] for key in task_functions(tf)
    }
    block = tf.resources["google_cloudfunctions2_function"]["function"]
    assert block["service_config"][0]["timeout_seconds"] == "${each.value.timeout}"
