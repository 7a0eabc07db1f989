"""The Reranker port on Vertex AI's ranking API (decision 0098): Discovery Engine's
``rankingConfigs/default_ranking_config:rank`` with ``semantic-ranker-default@latest`` (a
cross-encoder), asked for record ids and scores only. Priced per request (Google bills per 1,000
queries of up to 100 records) and counted with the query's embedding. The request's timeout is the
search's rerank budget: a slow or failed call answers None and the fused order stands. Each such call
is logged as ``rerank_failed`` (fields.reason), counted and alerted on (terraform/monitoring.tf).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import httpx

from shared.platform.adapters.tls import verifying_context
from shared.platform.adapters.vertex_model import OnVertex, check_reachable
from shared.platform.domain.embeddings import Reranked

if TYPE_CHECKING:
    from shared.memory.domain.retrieval import MaybeSignals, RerankPassages

log = logging.getLogger(__name__)
ENDPOINT = "https://discoveryengine.googleapis.com"
MAX_RECORDS = 100  # one billed query ranks up to 100 records (the API takes 200)
SCOPE = "https://www.googleapis.com/auth/cloud-platform"


class VertexReranker:
    def __init__(self, vertex: OnVertex, model: str, price_per_1k: float) -> None:
        """Ranking with ``model`` in ``vertex``'s project (the API's location is global; a call's
        timeout is its budget, so ``vertex``'s location and timeout are not used)."""
        check_reachable(vertex.base_url, vertex.production)
        self.model, self._price = model, price_per_1k
        self._url = (
            f"{(vertex.base_url or ENDPOINT).rstrip('/')}/v1/projects/{vertex.project}/locations/global/"
            "rankingConfigs/default_ranking_config:rank"
        )
        self._credentials = vertex.credentials
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None

    def _token(self) -> str:
        """A current access token (Application Default Credentials unless given), refreshed as due."""
        import google.auth
        from google.auth.transport.requests import Request

        with self._lock:
            if self._credentials is None:
                self._credentials, _ = google.auth.default(scopes=[SCOPE])
            if not self._credentials.valid:
                self._credentials.refresh(Request())
            return str(self._credentials.token)

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(verify=verifying_context())
            return self._client

    def rerank(
        self, query: str, passages: RerankPassages, budget_s: float, *, signals: MaybeSignals = None
    ) -> Reranked | None:
        """See the Reranker port; reads the text alone (``signals`` unused)."""
        records = [
            {"id": str(i), "title": title, "content": text}
            for i, (title, text) in enumerate(passages[:MAX_RECORDS])
        ]
        body = {
            "model": self.model,
            "query": query,
            "records": records,
            "topN": len(records),
            "ignoreRecordDetailsInResponse": True,
        }
        try:
            headers = {"Authorization": f"Bearer {self._token()}"}
            reply = self._http().post(self._url, json=body, headers=headers, timeout=budget_s)
        except httpx.TimeoutException:
            log.warning(
                "reranking skipped: the ranking API did not answer within %.1f s",
                budget_s,
                extra={"fields": {"event": "rerank_failed", "reason": "timeout"}},
            )
            return None
        except Exception as exc:
            log.warning(
                "reranking skipped: %s",
                exc.__class__.__name__,
                extra={"fields": {"event": "rerank_failed", "reason": exc.__class__.__name__}},
            )
            return None
        if reply.status_code != 200:
            log.warning(
                "reranking skipped: the ranking API answered %s",
                reply.status_code,
                extra={"fields": {"event": "rerank_failed", "reason": str(reply.status_code)}},
            )
            return None
        try:
            got = {int(r["id"]): float(r.get("score", 0.0)) for r in reply.json().get("records", [])}
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning(
                "reranking skipped: the ranking API's answer could not be read",
                extra={"fields": {"event": "rerank_failed", "reason": "unreadable"}},
            )
            return None
        # a record the API left out (none should be, topN is all) ranks after every scored one
        scores = [got.get(i, -1.0) for i in range(len(records))] + [-1.0] * (len(passages) - len(records))
        return Reranked(scores, self._price / 1000)
