"""The Reranker port's production adapter against a loopback stand-in of Discovery Engine's
``rankingConfigs/default_ranking_config:rank`` (the REST shape its reference documents: ``model``,
``query``, ``records`` of id/title/content, ``topN``, ``ignoreRecordDetailsInResponse``; the answer's
``records`` of id and score, best first): scores back in the candidates' order, its price counted,
and a slow or failing service skipped within the budget rather than failing or holding up a search."""

import time
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from shared.memory.adapters.vertex_reranker import MAX_RECORDS, VertexReranker
from shared.platform.adapters.vertex_model import OnVertex
from shared.platform.errors import ConfigError
from tests.support.platform.gemini_server import GeminiServer

pytestmark = pytest.mark.integration


class RankStub(GeminiServer):
    """Scores each record by how many of the query's words its content holds (best first, as the
    real API answers); ``delay_s`` holds each answer back."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.delay_s = 0.0
        super().__init__(self.reply)

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        time.sleep(self.delay_s)
        if self.status != 200:
            return {"error": {"code": self.status, "message": "no", "status": "X"}}
        wanted = set(body["query"].lower().split())
        scored = [
            {"id": r["id"], "score": len(wanted & set(r["content"].lower().split())) / 10}
            for r in body["records"]
        ]
        return {"records": sorted(scored, key=lambda r: -r["score"])}


@pytest.fixture
def stub() -> Any:
    server = RankStub()
    yield server
    server.stop()


def token() -> Credentials:
    return Credentials(token="tok")  # type: ignore[no-untyped-call]  # google-auth: unannotated


def reranker(stub: RankStub) -> VertexReranker:
    vertex = OnVertex("proj-1", base_url=stub.url, credentials=token())
    return VertexReranker(vertex, "semantic-ranker-default@latest", 1.0)


PASSAGES = [("Pricing", "three tiers"), ("Hiring", "two engineers in Berlin"), ("Berlin", "engineers hired")]


def test_the_ranking_api_scores_come_back_in_the_candidates_order_and_are_priced(stub: RankStub) -> None:
    got = reranker(stub).rerank("engineers in Berlin", PASSAGES, 5.0)
    assert got is not None and got.scores == [0.0, 0.3, 0.1] and got.cost_usd == pytest.approx(0.001)
    [body] = stub.bodies
    assert stub.paths == ["/v1/projects/proj-1/locations/global/rankingConfigs/default_ranking_config:rank"]
    assert body["model"] == "semantic-ranker-default@latest" and body["query"] == "engineers in Berlin"
    assert body["records"][1] == {"id": "1", "title": "Hiring", "content": "two engineers in Berlin"}
    assert body["topN"] == 3 and body["ignoreRecordDetailsInResponse"] is True


def test_more_candidates_than_one_request_ranks_rank_after_the_ranked_ones(stub: RankStub) -> None:
    many = [(f"p{i}", "engineers" if i == MAX_RECORDS + 5 else "other") for i in range(MAX_RECORDS + 10)]
    got = reranker(stub).rerank("engineers", many, 5.0)
    assert got is not None and len(got.scores) == len(many)
    assert len(stub.bodies[0]["records"]) == MAX_RECORDS and got.scores[MAX_RECORDS + 5] < 0


def test_a_slow_ranking_api_is_skipped_within_the_budget(stub: RankStub) -> None:
    stub.delay_s = 2.0
    began = time.monotonic()
    assert reranker(stub).rerank("engineers", PASSAGES, 0.3) is None
    assert time.monotonic() - began < 1.5


def _failures(caplog: pytest.LogCaptureFixture) -> list[Any]:
    return [
        getattr(r, "fields", {}).get("reason")
        for r in caplog.records
        if getattr(r, "fields", {}).get("event") == "rerank_failed"
    ]


def test_a_refusing_ranking_api_is_skipped_not_raised(
    stub: RankStub, caplog: pytest.LogCaptureFixture
) -> None:
    """Skipped, and counted: the rerank_failed event the alert "reranking failing" counts."""
    stub.status = 403
    assert reranker(stub).rerank("engineers", PASSAGES, 5.0) is None
    assert _failures(caplog) == ["403"]


def test_every_skipped_call_is_counted_and_an_answered_one_is_not(
    stub: RankStub, caplog: pytest.LogCaptureFixture
) -> None:
    assert reranker(stub).rerank("engineers", PASSAGES, 5.0) is not None
    stub.delay_s = 2.0
    assert reranker(stub).rerank("engineers", PASSAGES, 0.3) is None
    assert _failures(caplog) == ["timeout"]


def test_the_real_endpoint_is_refused_outside_production() -> None:
    with pytest.raises(ConfigError):
        VertexReranker(OnVertex("proj-1", credentials=token()), "semantic-ranker-default@latest", 1.0)
