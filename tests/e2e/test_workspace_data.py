"""A workspace's data as a whole, on one local stack with two workspaces seeded through the product's
own paths (local/seeding.py): the restore drill brings every document back byte for byte,
and a workspace erased on request leaves nothing of it in any collection, no
secret of any tool, no OAuth grant alive at Linear or GitLab, no webhook of ours there, and no route
that takes a delivery for it afterwards."""

import json
import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest

from local.demo import http
from local.firestore_dump import documents, encoded
from local.restore_drill import KINDS, drill, firestore_client, mismatches
from local.seeding import Seeded, in_process, seed_workspace
from local.stack import LocalStack
from shared.platform.domain.dead_letters import dead_letter
from tests.support.workspace.every_tool import connect_every_tool, deliver_to_every_route, secrets_of
from tools import erase_tenant

pytestmark = pytest.mark.e2e


class Seeds(NamedTuple):
    stack: LocalStack
    acme: Seeded
    globex: Seeded


@pytest.fixture(scope="module")
def seeds() -> Iterator[Seeds]:
    # The trackers' scan at production's minute: the stack's 10-second scan would write the tenant's
    # sync state between the snapshots a refused erasure is compared by.
    with LocalStack(extra_env={"NA_SYNC_SCAN_INTERVAL_S": "60"}) as stack:
        yield Seeds(stack, seed_workspace(stack, "acme"), seed_workspace(stack, "globex"))


def test_the_restore_drill_brings_every_document_back_byte_for_byte(seeds: Seeds, tmp_path: Path) -> None:
    done = drill(seeds.stack, [seeds.acme, seeds.globex], tmp_path)
    print("\n" + done.result())
    assert done.wiped_left == 0 and done.mismatched == 0 and done.restored, done
    assert done.kinds["tenants"] == 2 and all(done.kinds[kind] > 0 for kind in KINDS), done.kinds
    assert done.runs_read == 4
    # The comparison sees one bit: a passage's vector one float step off is a mismatch.
    db = firestore_client(seeds.stack)
    before = documents(db)
    passage = next(p for p in before if KINDS["passages"].match(p))
    fields = db.document(passage).get().to_dict()
    vector = list(fields["embedding"])
    vector[0] = math.nextafter(vector[0], math.inf)  # the next float up
    changed = before | {passage: encoded(fields | {"embedding": type(fields["embedding"])(vector)})}
    assert mismatches(before, changed) == [passage]


def _of(found: dict[str, bytes], markers: tuple[str, ...]) -> dict[str, bytes]:
    """The documents whose path or fields hold one of ``markers`` (the erasure's own record aside)."""
    return {
        path: data
        for path, data in found.items()
        if not path.startswith("erasures/") and any(m in path or m.encode() in data for m in markers)
    }


def _settled(db: object, markers: tuple[str, ...]) -> dict[str, bytes]:
    """The workspace's documents once two looks 3 s apart find the same (the tools' scans are tasks)."""
    seen = _of(documents(db), markers)
    for _ in range(20):
        time.sleep(3)
        now = _of(documents(db), markers)
        if now == seen:
            return now
        seen = now
    raise AssertionError("the workspace's documents kept changing for a minute")


def _markers(seeded: Seeded) -> tuple[str, ...]:
    return (seeded.tenant_id, seeded.workspace_id, f"owner@{seeded.key}.example")


def test_an_erased_workspace_leaves_nothing_of_it_in_any_collection(
    seeds: Seeds, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack, acme, globex = seeds
    db, api = firestore_client(stack), stack.url_of_api()
    with in_process(stack) as container:  # a task body of each that could never validate, as plan keeps it
        for seeded in (acme, globex):
            body = json.dumps({"tenant_id": seeded.tenant_id, "run_id": 7}).encode()
            letter = dead_letter("plan", body, "run_id: must be a string", datetime.now(UTC))
            assert container.platform.dead_letters.keep(letter)
    before = documents(db)
    mine, theirs = _of(before, _markers(acme)), _of(before, _markers(globex))
    collections = {path.split("/")[-2] for path in mine}
    assert {
        "tenants",
        "runs",
        "events",
        "passages",
        "audit",
        "api_keys",
        "workspaces",
        "dead_letters",
    } <= collections, collections
    assert len(mine) > 20 and len(theirs) > 20 and not set(mine) & set(theirs)
    hooks = connect_every_tool(stack, acme)
    mine = _settled(db, _markers(acme))  # with the tools' records, once their first scans wrote
    secrets_before = json.loads(stack.secrets_file.read_text())
    held = secrets_of(stack, acme.tenant_id)
    # Every tool's: Notion's token, GitHub's, Vercel's, Slack's and Discord's, Linear's and GitLab's
    # OAuth grants and webhook secrets, Motion's key, GitHub's webhook secret.
    assert len(held) >= 13, held
    linear, gitlab = stack.linear.sandbox, stack.gitlab.sandbox
    grants = [o.access.copy() for o in (linear.oauth, gitlab.oauth)]
    assert all(grants) and linear.webhooks and gitlab.hooks

    # Not confirmed (another name): refused with its reason, nothing erased.
    status, answer, _ = http("POST", f"{api}/workspace/erase", {"confirm": "Globex"}, acme.auth)
    assert status == 400 and "type the workspace's name" in answer["reason"], answer
    refused = _of(documents(db), _markers(acme))
    added = [path.split("/")[-2] for path in set(refused) - set(mine)]
    assert all(refused[p] == data for p, data in mine.items()) and added == ["audit"]  # the try, audited

    status, answer, _ = http("POST", f"{api}/workspace/erase", {"confirm": " Acme  "}, acme.auth)
    assert status == 200 and answer["erased"] is True
    said = {tool["tool"]: tool for tool in answer.get("tools", [])}
    # (the tools' records go with their disconnects, before the count)
    assert answer["documents_deleted"] >= len(mine) - 5 - len(said)
    # Revoked at the tools: no token of its grants works there, and none of our webhooks is left.
    live = [
        token
        for o, kept in zip((linear.oauth, gitlab.oauth), grants, strict=True)
        for token in kept
        if o.live(token)
    ]
    hooks_left = [*linear.webhooks, *gitlab.hooks]
    # Its sessions act on nothing now (a session of a tenant without a document names no member):
    # neither a run nor a key is made, and nothing of it is written again (the rerun below finds 0).
    assert http("GET", f"{api}/session", None, acme.auth)[0] in (401, 404)
    assert http("POST", f"{api}/runs", {"goal": "Write it again"}, acme.auth)[0] in (401, 403, 404, 409)
    assert http("POST", f"{api}/api-keys", {"name": "again"}, acme.auth)[0] in (401, 403, 404, 409)
    time.sleep(3)  # what the erasure's cancellations queued (notifications) has run meanwhile
    # The operator's tool, again: nothing left to delete, the record kept as it was asked.
    for name, value in stack.env().items():
        monkeypatch.setenv(name, value)
    assert erase_tenant.main(["--tenant", acme.tenant_id]) == 0
    assert "RESULT erased=1 documents_deleted=0" in capsys.readouterr().out

    # Every webhook route, each delivery signed as before the erasure: refused, nothing recorded.
    answers = deliver_to_every_route(stack, acme, hooks)
    accepted = {
        route: (status, result)
        for route, (status, result) in answers.items()
        if status < 400 and result != "dropped"  # Notion's single route acknowledges what it drops
    }
    secrets_left = secrets_of(stack, acme.tenant_id)
    after = documents(db)
    left = _of(after, _markers(acme))
    changed = sorted(
        p for p in theirs.keys() | _of(after, _markers(globex)).keys() if theirs.get(p) != after.get(p)
    )
    with capsys.disabled():
        print(
            f"\nRESULT erased_tenant_documents={len(left)} other_tenants_changed={len(changed)} "
            f"secrets_left={len(secrets_left)} deliveries_after_erasure_accepted={len(accepted)}"
        )
    assert not secrets_left, secrets_left
    assert not accepted, answers
    assert not live and not hooks_left, (live, hooks_left)
    assert said["linear"]["token_revoked"] is True and said["gitlab"]["token_revoked"] is True, said
    assert said["linear"]["webhook_deleted"] and said["gitlab"]["webhook_deleted"] and "motion" in said
    assert all(status in (400, 401, 404) for route, (status, _) in answers.items() if route != "notion"), (
        answers
    )
    assert not left, sorted(left)
    assert not changed, changed
    record = db.document(f"erasures/{acme.tenant_id}").get().to_dict()
    assert set(record) == {"tenant_id", "by", "requested_at", "state", "erased_at"}
    assert (record["tenant_id"], record["by"], record["state"]) == (acme.tenant_id, "owner", "erased")
    secrets_after = json.loads(stack.secrets_file.read_text())
    assert not [name for name in secrets_after if acme.tenant_id in name]
    assert {n: v for n, v in secrets_before.items() if globex.tenant_id in n} == {
        n: v for n, v in secrets_after.items() if globex.tenant_id in n
    }
    assert http("GET", f"{api}/runs/{globex.runs[0]}", None, globex.auth)[0] == 200
