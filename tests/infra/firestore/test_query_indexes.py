"""``make check-indexes``: which recorded Firestore query needs which index, and does Terraform have it.

The cases follow Firestore's index documentation (decision 0047): single-field indexes are automatic
in collection scope only; equalities merge; a second field in the order needs a composite index whose
equality fields come first; the document name ends every index in its last field's direction; sum()
reads its field from the index. Each rule has a case that must be flagged.
"""

import json
from pathlib import Path

import pytest
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import BaseQuery, FieldFilter, Or

from tools.check_indexes import (
    ASC,
    CONTAINS,
    DESC,
    GROUP,
    VECTOR,
    Index,
    Indexes,
    check,
    main,
    served_by,
    terraform_indexes,
)
from tools.firestore_queries import QueryShape, Recorder, read_log, shape_of
from tools.infra_drift import Terraform

C = "COLLECTION"
NO_COMPOSITES = Indexes()


def shape(
    filters: tuple[tuple[str, str], ...] = (),
    orders: tuple[tuple[str, str], ...] = (),
    collection: str = "cities",
    scope: str = C,
    aggregations: tuple[tuple[str, str], ...] = (),
    vector: str = "",
) -> QueryShape:
    return QueryShape(collection, scope, filters, orders, aggregations, vector)


def index(*fields: tuple[str, str], collection: str = "cities", scope: str = C) -> Indexes:
    return Indexes(composite=(Index("i", collection, scope, tuple(fields)),))


# --- served by the automatic single-field indexes (collection scope) ------------------------------


@pytest.mark.parametrize(
    "query",
    [
        shape((("state", "EQUAL"),)),  # a simple equality
        shape((("state", "EQUAL"), ("capital", "EQUAL"))),  # equalities merge
        shape((("state", "IN"),)),
        shape((("population", "LESS_THAN"),)),  # one range
        shape((("population", "LESS_THAN"),), (("population", DESC),)),  # ...ordered by its field
        shape((), (("population", DESC),)),  # one order
        shape((("regions", "ARRAY_CONTAINS"),)),
        shape((("regions", "ARRAY_CONTAINS"), ("state", "EQUAL"))),  # merged with an equality
        shape((("state", "EQUAL"),), (("__name__", ASC),)),  # the document name: every index ends in it
        shape((("state", "EQUAL"),), (("state", ASC),)),  # an order on a one-value field is no order
        shape((), (), aggregations=(("count", ""),)),
        shape((), (), aggregations=(("sum", "population"),)),  # a sum of one field, nothing else
    ],
)
def test_single_field_indexes_serve(query: QueryShape) -> None:
    assert served_by(query, NO_COMPOSITES) == "single-field indexes"


# --- need a composite index --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "needed", "wrong"),
    [
        (  # the docs' example: an equality and an order on another field
            shape((("country", "EQUAL"),), (("population", ASC),)),
            (("country", ASC), ("population", ASC)),
            (("country", ASC), ("population", DESC)),  # the order's direction matters
        ),
        (  # an equality and a range on another field: the range's field is ordered implicitly
            shape((("state", "EQUAL"), ("population", "LESS_THAN"))),
            (("state", ASC), ("population", ASC)),
            (("population", ASC), ("state", ASC)),  # equality fields come first
        ),
        (  # ranges on two fields: ordered by their names when not explicitly
            shape((("population", "GREATER_THAN"), ("density", "LESS_THAN"))),
            (("density", ASC), ("population", ASC)),
            (("population", ASC), ("density", ASC)),
        ),
        (  # two orders
            shape((), (("created_at", DESC), ("run_id", DESC))),
            (("created_at", DESC), ("run_id", DESC)),
            (("created_at", DESC),),
        ),
        (  # array-contains with a range: the array field in array-contains mode
            shape((("regions", "ARRAY_CONTAINS"), ("population", "GREATER_THAN"))),
            (("regions", CONTAINS), ("population", ASC)),
            (("regions", ASC), ("population", ASC)),
        ),
        (  # sum() with an equality reads the summed field from the index
            shape((("kind", "EQUAL"),), aggregations=(("sum", "cost_usd"),)),
            (("kind", ASC), ("cost_usd", ASC)),
            (("kind", ASC),),
        ),
        (  # a document name ordered against the last field's direction is written out
            shape((), (("created_at", DESC), ("__name__", ASC))),
            (("created_at", DESC), ("__name__", ASC)),
            (("created_at", DESC),),
        ),
        (  # a vector search: its field last, in vector mode
            shape((("color", "EQUAL"),), vector="embedding"),
            (("color", ASC), ("embedding", VECTOR)),
            (("color", ASC), ("embedding", ASC)),
        ),
    ],
)
def test_queries_that_need_a_composite_index(
    query: QueryShape, needed: tuple[tuple[str, str], ...], wrong: tuple[tuple[str, str], ...]
) -> None:
    assert served_by(query, NO_COMPOSITES) is None
    assert served_by(query, index(*needed)) == "i"
    assert served_by(query, index(*wrong)) is None
    assert served_by(query, index(*needed, collection="other")) is None
    assert served_by(query, index(*needed, scope=GROUP)) is None


def test_a_cursor_adds_the_document_name_in_the_last_direction() -> None:
    """start_after a snapshot orders by __name__ too, in the direction of the last order: covered."""
    query = shape((("status", "EQUAL"),), (("created_at", DESC), ("__name__", DESC)))
    assert served_by(query, index(("status", ASC), ("created_at", DESC))) == "i"
    assert served_by(query, index(("status", ASC), ("created_at", DESC), ("__name__", DESC))) == "i"


def test_collection_group_queries_have_no_automatic_indexes() -> None:
    query = shape((("run_id", "EQUAL"),), collection="runs", scope=GROUP)
    assert served_by(query, NO_COMPOSITES) is None
    exempt = Indexes(exemptions={("runs", "run_id"): frozenset({(GROUP, ASC)})})
    assert served_by(query, exempt) == "single-field indexes"
    assert served_by(shape((("run_id", "EQUAL"),), collection="runs"), exempt) is None  # listed: only those


def test_a_field_without_indexes_serves_nothing() -> None:
    """A TTL field's exemption (index_config {}) removes its automatic indexes."""
    ttl = Indexes(exemptions={("cities", "expires_at"): frozenset()})
    assert served_by(shape((("expires_at", "LESS_THAN"),)), ttl) is None
    assert served_by(shape((("expires_at", "LESS_THAN"),)), NO_COMPOSITES) == "single-field indexes"


def test_an_or_is_flagged_until_the_checker_splits_it() -> None:
    query = QueryShape("cities", C, (("a", "EQUAL"), ("b", "EQUAL")), (), disjunction=True)
    assert served_by(query, NO_COMPOSITES) is None


# --- terraform/firestore.tf ----------------------------------------------------------------------


def test_every_declared_index_is_read(tf: Terraform) -> None:
    indexes = terraform_indexes(tf)
    vector = [i for i in indexes.composite if any(mode == VECTOR for _, mode in i.fields)]
    assert [i.name for i in vector] == ["passages_nearest", "passages_nearest_in_scope"]  # literal blocks
    # The runs' search indexes are a resource of their own (an array-contains field): firestore.tf.
    search = [i for i in indexes.composite if i.name.startswith("runs_search")]
    assert len(search) == 8
    assert len(indexes.composite) - len(vector) - len(search) == len(tf.locals["firestore_indexes"]) >= 7
    spend = next(i for i in indexes.composite if i.name == "composite[events_spend_by_day]")
    assert (spend.collection, spend.scope) == ("events", GROUP)
    assert spend.fields == (("tenant_id", ASC), ("kind", ASC), ("day", ASC), ("cost_usd", ASC))
    for ttl in tf.locals["firestore_ttls"].values():
        assert indexes.exemptions[(ttl["collection"], ttl["field"])] == frozenset()


def test_replay_without_a_tenant_has_its_index(tf: Terraform) -> None:
    """`make replay RUN=<id>` finds the run's tenant across all tenants: a collection-group equality."""
    replay = shape((("run_id", "EQUAL"),), collection="runs", scope=GROUP)
    indexes = terraform_indexes(tf)
    assert served_by(replay, indexes) == "single-field indexes"
    other = {k: v for k, v in indexes.exemptions.items() if k != ("runs", "run_id")}
    assert served_by(replay, Indexes(indexes.composite, other)) is None
    # The exemption keeps the collection-scope indexes on run_id that Firestore made by itself.
    assert {(C, ASC), (C, DESC)} <= indexes.exemptions[("runs", "run_id")]


# --- recording and the RESULT line ---------------------------------------------------------------


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch) -> firestore.Client:
    """A client that builds requests; nothing is sent (the address answers nothing)."""
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")
    return firestore.Client(project="p")


def _request(query: BaseQuery) -> dict[str, object]:
    return {"parent": "projects/p/databases/(default)/documents", "structured_query": query._to_protobuf()}


def test_shapes_are_read_from_the_requests_the_client_builds(db: firestore.Client) -> None:
    runs = db.collection("tenants").document("t").collection("runs")
    query = runs.where(filter=FieldFilter("status", "==", "x")).order_by("created_at", direction="DESCENDING")
    assert shape_of("query", _request(query)) == QueryShape(
        "runs", C, (("status", "EQUAL"),), (("created_at", DESC),)
    )
    group = db.collection_group("events").where(filter=FieldFilter("tenant_id", "==", "t")).sum("cost_usd")
    request = {
        "parent": "projects/p/databases/(default)/documents",
        "structured_aggregation_query": group._to_protobuf(),  # type: ignore[call-arg]  # an instance
    }
    assert shape_of("aggregation", request) == QueryShape(
        "events", GROUP, (("tenant_id", "EQUAL"),), (), (("sum", "cost_usd"),)
    )
    either = runs.where(filter=Or([FieldFilter("a", "==", 1), FieldFilter("b", ">", 2)]))
    assert shape_of("query", _request(either)).disjunction


def test_a_recording_is_checked_and_its_result_line_is_what_fails(
    tmp_path: Path, tf: Terraform, db: firestore.Client
) -> None:
    log = tmp_path / "queries.jsonl"
    recorder = Recorder(log)
    runs = db.collection("tenants").document("t").collection("runs")
    served = runs.where(filter=FieldFilter("status", "in", ["a", "b"]))
    unserved = runs.where(filter=FieldFilter("trigger", "==", "x")).order_by("updated_at")
    recorder.record("query", _request(served))
    recorder.record("query", _request(served))  # once per process
    recorder.record("query", _request(unserved))
    assert len(log.read_text().splitlines()) == 2
    assert all(
        where.startswith("tests/infra/firestore/test_query_indexes.py:") for _, where, _ in read_log(log)
    )

    report = check(log, terraform_indexes(tf))
    assert report.shapes == {} and len(report.test_only) == 2  # only a test sent them: not counted

    lines = log.read_text().replace('"caller": "tests/infra/', '"caller": "shared/x/')
    log.write_text(lines)
    report = check(log, terraform_indexes(tf))
    assert report.result_line() == "RESULT queries=2 without_index=1"
    assert [s.filters for s in report.without_index] == [(("trigger", "EQUAL"),)]


def test_main_prints_the_figures_it_fails_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "queries.jsonl"
    missing = shape((("trigger", "EQUAL"),), (("updated_at", ASC),), collection="runs")
    served = shape((("status", "IN"),), collection="runs")
    log.write_text(
        "\n".join(json.dumps(s.to_json() | {"caller": "shared/adapters/x.py:f"}) for s in (missing, served))
    )
    assert main([str(log)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "RESULT queries=2 without_index=1"
    assert "NONE collection runs: where trigger EQUAL; order by updated_at asc" in out
    log.write_text(json.dumps(served.to_json() | {"caller": "shared/adapters/x.py:f"}))
    assert main([str(log)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "RESULT queries=1 without_index=0"
    log.write_text('{"error": "ValueError: x", "caller": ""}\n')
    assert main([str(log)]) == 1  # nothing readable recorded: no silent pass
