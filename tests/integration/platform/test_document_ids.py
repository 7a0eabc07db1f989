"""Firestore's own verdict (the emulator) on the id grammar of shared.platform.domain.ids: every generated id the
rule passes is written and read back, and every one it refuses is refused by Firestore too, except the
forms Firestore's documentation reserves and the emulator still takes (``____``, ``__id<n>__``)."""

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from shared.platform.domain.ids import is_document_id
from tests.support.runs.document_ids import ACCEPTED, REFUSED

pytestmark = pytest.mark.integration

LENIENT_EMULATOR = re.compile(r"____|__id[0-9]+__")  # reserved by the docs, accepted by the emulator
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def firestore_takes(db: Any, value: str) -> bool:
    """Whether Firestore stores a document whose id is ``value``: an id with an even number of "/"
    names another document (in a subcollection), which is not taking that id."""
    try:
        ref = db.collection("ids").document(value)
        if ref.id != value:
            return False
        ref.set({"v": 1})
        return bool(ref.get().exists)
    except Exception:  # the client's ValueError (an odd "/"), or the server's InvalidArgument
        return False


@FAST
@given(ACCEPTED)
def test_firestore_takes_every_id_the_rule_passes(firestore_db: Any, value: str) -> None:
    assert is_document_id(value) and firestore_takes(firestore_db, value)


@FAST
@given(REFUSED)
def test_firestore_refuses_every_id_the_rule_refuses(firestore_db: Any, value: str) -> None:
    assert not is_document_id(value)
    if not LENIENT_EMULATOR.fullmatch(value):
        assert not firestore_takes(firestore_db, value)
