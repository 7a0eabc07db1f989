"""Who can read which tenant secret, evaluated: each name-conditioned grant of terraform/ applied to a
sample of every kind of secret name the code writes. The outgoing webhooks' signing keys are read
under their own prefix by exactly notify and api, and those grants reach no other kind of secret;
notify reads no tracker's, MCP server's or code token; no function may list secrets (decision 0202).
The keys registered before 0202 stay under the sync's prefix (``sync-hook-out-``): the sync's readers
read them as they did, which is why new keys are no longer written there."""

import copy
import dataclasses
import re

from shared.mcp.domain.servers import mcp_token_secret
from shared.outbound.domain.endpoints import endpoint_secret, legacy_endpoint_secret
from shared.sync.domain.connection import hook_secret, key_secret
from shared.sync.domain.oauth import oauth_secret
from shared.workspace.domain.connecting.connection import token_secret_name
from shared.workspace.domain.integrations import Integration, github_hook_secret, token_secret
from tests.support.infra.infra_iam import project_grants
from tools.infra_drift import Terraform

FUNCTIONS = {"oauth_callback", "notion_webhook", "plan", "execute_step", "deploy", "notify", "api"}
READERS = {"roles/secretmanager.secretAccessor"}  # secretmanager.versions.access
SECRET_ROLES = READERS | {"roles/secretmanager.secretVersionAdder"}  # neither lists (Google's roles)
_PREFIX = re.compile(r'startsWith\("projects/[^"]*/secrets/([^"]*)"\)')

# One name of each kind the code writes, by kind.
NAMES = {
    "notion token": token_secret_name("t1", "c1"),
    **{f"{i.value} token": token_secret("t1", i) for i in Integration},
    "github hook": github_hook_secret("t1"),
    **{f"{tool} key": key_secret("t1", tool) for tool in ("linear", "gitlab", "motion")},
    **{f"{tool} hook": hook_secret("t1", tool) for tool in ("linear", "gitlab")},
    **{f"{tool} oauth": oauth_secret("t1", tool) for tool in ("linear", "gitlab")},
    "mcp token": mcp_token_secret("t1", "s1"),
    "webhook key": endpoint_secret("t1", "h0123456789abcdef"),
    "legacy webhook key": legacy_endpoint_secret("t1", "h0123456789abcdef"),
}
WEBHOOK_KINDS = {"webhook key", "legacy webhook key"}


def readable(tf: Terraform) -> dict[str, set[str]]:
    """Function -> the kinds of NAMES its secretAccessor grants let it read."""
    found: dict[str, set[str]] = {fn: set() for fn in FUNCTIONS}
    for _, account, role, condition in project_grants(tf):
        if account in FUNCTIONS and role in READERS:
            prefixes = _PREFIX.findall(condition) if condition else [""]  # no condition: every secret
            found[account] |= {kind for kind, name in NAMES.items() if name.startswith(tuple(prefixes))}
    return found


def leaks(tf: Terraform) -> list[str]:
    """What the webhooks' prefix rule refuses, as sentences (empty: none)."""
    reads = readable(tf)
    found = []
    holders = {fn for fn, kinds in reads.items() if "webhook key" in kinds}
    if holders != {"notify", "api"}:
        found.append(f"a webhook key is read by {sorted(holders)}, not exactly notify and api")
    others = reads["notify"] - WEBHOOK_KINDS - {"notion token", "slack token", "discord token"}
    if others:
        found.append(f"notify reads {sorted(others)}")
    for name, account, role, condition in project_grants(tf):
        if role in READERS and name == "webhook_secret_readers":
            covered = {kind for kind, n in NAMES.items() if n.startswith(tuple(_PREFIX.findall(condition)))}
            if covered - WEBHOOK_KINDS:
                found.append(f"{name} for {account} reads {sorted(covered - WEBHOOK_KINDS)}")
    return found


def test_the_webhook_keys_are_read_by_notify_and_api_on_their_own_prefix_only(tf: Terraform) -> None:
    assert leaks(tf) == []
    assert readable(tf)["notify"] == WEBHOOK_KINDS | {"notion token", "slack token", "discord token"}
    legacy = {fn for fn, kinds in readable(tf).items() if "legacy webhook key" in kinds}
    assert legacy == {"notify", "api", "plan", "execute_step", "deploy"}  # as before 0202, no wider


def _changed(tf: Terraform, name: str, value: object) -> Terraform:
    """``tf`` with one local replaced (or, for a list, ``value`` added to it)."""
    changed = copy.deepcopy(tf.locals)
    if isinstance(changed[name], list):
        changed[name].append(value)
    else:
        changed[name] = value
    return dataclasses.replace(tf, locals=changed)


def test_the_prefix_rule_fails_when_notify_reads_the_sync_prefix_again(tf: Terraform) -> None:
    assert leaks(_changed(tf, "sync_token_readers", "notify")) == [
        "notify reads ['github hook', 'gitlab hook', 'gitlab key', 'gitlab oauth', 'linear hook', "
        "'linear key', 'linear oauth', 'mcp token', 'motion key']"
    ]


def test_the_prefix_rule_fails_when_the_webhook_prefix_reaches_another_kind(tf: Terraform) -> None:
    found = leaks(_changed(tf, "webhook_secret_prefix", ""))  # startsWith(".../secrets/"): every secret
    assert [line.split(" reads ")[0] for line in found] == [
        "notify",  # notify reads every kind then
        "webhook_secret_readers for notify",
        "webhook_secret_readers for api",
    ]


def test_no_function_may_list_secrets(tf: Terraform) -> None:
    roles = tf.resources["google_project_iam_custom_role"]
    for _, account, role, _ in project_grants(tf):
        if account not in FUNCTIONS:
            continue
        if role.startswith("roles/secretmanager."):
            assert role in SECRET_ROLES, f"{account} holds {role}"
        if role.startswith("custom:"):
            permissions = roles[role.removeprefix("custom:")]["permissions"]
            assert not [p for p in permissions if p.startswith("secretmanager.") and p.endswith(".list")]
