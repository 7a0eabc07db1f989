"""A first apply on a fresh project: every resource waits for the APIs it needs (apis.tf).

Terraform creates what does not depend on something in parallel, so a service account, a custom
role or a trigger with no path to google_project_service.enabled is created before its API is on
and fails ("API has not been used in project ... or it is disabled"). The path may be direct
(depends_on) or through a reference (an IAM member naming a service account that waits).
"""

import json
import re
from collections.abc import Iterator

from tools.infra_drift import Terraform

APIS = ("google_project_service", "enabled")
_RESOURCE = re.compile(r"\b(google_[a-z0-9_]+)\.([a-z0-9_]+)\b")
_LOCAL = re.compile(r"\blocal\.([a-z0-9_]+)\b")

Node = tuple[str, str]


def _references(tf: Terraform, value: object, seen_locals: set[str]) -> Iterator[Node]:
    """Resources a body names, directly, in depends_on, or through the locals it reads."""
    text = json.dumps(value)
    for match in _RESOURCE.finditer(text):
        if match.group(2) in tf.resources.get(match.group(1), {}):
            yield match.group(1), match.group(2)
    for match in _LOCAL.finditer(text):
        name = match.group(1)
        if name in tf.locals and name not in seen_locals:
            seen_locals.add(name)
            yield from _references(tf, tf.locals[name], seen_locals)


def graph(tf: Terraform) -> dict[Node, set[Node]]:
    return {
        (rtype, name): set(_references(tf, body, set())) - {(rtype, name)}
        for rtype, named in tf.resources.items()
        for name, body in named.items()
    }


def waiting_for_nothing(tf: Terraform) -> list[str]:
    """Resources with no path to the API enablement."""
    edges = graph(tf)

    def reaches_apis(start: Node) -> bool:
        stack, seen = [start], set()
        while stack:
            node = stack.pop()
            if node == APIS:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        return False

    return sorted(f"{t}.{n}" for t, n in edges if (t, n) != APIS and not reaches_apis((t, n)))


def test_every_resource_waits_for_the_apis(tf: Terraform) -> None:
    assert waiting_for_nothing(tf) == []


def test_the_accounts_roles_and_triggers_wait_directly(tf: Terraform) -> None:
    """The ones a review found creating before their API (iam, cloudbuild, monitoring)."""
    for rtype, name in [
        ("google_service_account", "function"),
        ("google_service_account", "platform"),
        ("google_project_iam_custom_role", "notion_token_writer"),
        ("google_project_iam_custom_role", "notion_token_rotator"),
        ("google_project_iam_custom_role", "notion_token_revoker"),
        ("google_project_iam_custom_role", "code_token_keeper"),
        ("google_cloudbuild_trigger", "checks"),
        ("google_cloudbuild_trigger", "deploy"),
        ("google_monitoring_notification_channel", "email"),
    ]:
        assert "${google_project_service.enabled}" in tf.resources[rtype][name].get("depends_on", []), name


def test_a_resource_without_the_dependency_is_caught(tf: Terraform) -> None:
    import copy
    import dataclasses

    resources = copy.deepcopy(tf.resources)
    del resources["google_service_account"]["platform"]["depends_on"]
    found = waiting_for_nothing(dataclasses.replace(tf, resources=resources))
    assert "google_service_account.platform" in found
    assert "google_cloudbuild_trigger.deploy" not in found  # it still waits on its own depends_on
