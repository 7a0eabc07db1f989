"""The benchmarks' counter bills reads as Firestore's pricing page says (tests/perf/billing.py)."""

import pytest

from tests.perf.billing import billed_reads


def test_a_lookup_is_a_read_per_document_asked_for() -> None:
    assert billed_reads("lookup", 1) == 1
    assert billed_reads("lookup", 3) == 3


def test_a_query_that_returns_nothing_is_one_read() -> None:
    assert billed_reads("query", 0) == 1
    assert billed_reads("query", 1) == 1
    assert billed_reads("query", 7) == 7


def test_an_aggregation_is_one_read_per_thousand_index_entries_at_least_one() -> None:
    assert billed_reads("aggregation", 0) == 1
    assert billed_reads("aggregation", 1) == 1
    assert billed_reads("aggregation", 1000) == 1
    assert billed_reads("aggregation", 1001) == 2
    assert billed_reads("aggregation", 2500) == 3


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        billed_reads("listen", 1)
