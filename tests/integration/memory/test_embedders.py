"""The two embedders behind the Embedder port: the local model loads from its package with every
socket refused and ranks by meaning; the Vertex AI adapter drives google-genai against a loopback
stub of ``batchEmbedContents`` (task type, dimension, batches, tokens priced, errors mapped)."""

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from shared.memory.adapters import local_embedder, minilm
from shared.memory.adapters.vertex_embedder import BATCH, TIMEOUT_S, VertexEmbedder
from shared.platform.adapters.vertex_model import OnVertex
from shared.platform.domain.embeddings import DIMENSION, cosine
from shared.platform.errors import ConfigError, TransientError
from tests.support.platform.gemini_server import GeminiServer

pytestmark = pytest.mark.integration


def test_the_local_model_runs_with_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the local embedder opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refused)
    monkeypatch.setattr(socket, "create_connection", refused)
    minilm._load.cache_clear()
    texts = ["we decided the pricing tiers", "what did we decide about prices?", "the cat sat on the mat"]
    got = local_embedder.LocalEmbedder().embed(texts, "document")
    assert got.model == local_embedder.MODEL and len(got.vectors) == 3
    assert all(abs(cosine(v, v) - 1) < 1e-5 for v in got.vectors)
    assert cosine(got.vectors[0], got.vectors[1]) > cosine(got.vectors[2], got.vectors[1])


class Stub(GeminiServer):
    """The stand-in answering google-genai's ``batchEmbedContents`` and ``embedContent``."""

    def __init__(self) -> None:
        self.requests: list[Any] = []
        super().__init__(self.reply)

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(body)
        if self.status != 200:
            return {"error": {"code": self.status, "message": "no", "status": "X"}}
        count = len(body.get("requests", [body]))
        vectors = [{"values": [float(i + 1), 0.0, 0.0]} for i in range(count)]
        payload: dict[str, Any] = {"usageMetadata": {"promptTokenCount": 7 * count}}
        return payload | ({"embeddings": vectors} if "requests" in body else {"embedding": vectors[0]})


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.stop()


def embedder(stub: Stub) -> VertexEmbedder:
    credentials = Credentials(token="fake")  # type: ignore[no-untyped-call]  # google-auth: unannotated
    vertex = OnVertex("proj", "europe-west1", stub.url, credentials=credentials, timeout_s=TIMEOUT_S)
    return VertexEmbedder(vertex, "gemini-embedding-001", 0.15)


def test_vertex_embeddings_ask_for_the_task_and_dimension_in_batches(stub: Stub) -> None:
    got = embedder(stub).embed([f"t{i}" for i in range(BATCH + 1)], "query")
    assert len(got.vectors) == BATCH + 1 and got.vectors[0] == [1.0, 0.0, 0.0]  # unit length
    assert got.tokens == 7 * (BATCH + 1) and got.cost_usd == pytest.approx(7 * (BATCH + 1) * 0.15 / 1e6)
    assert [len(body.get("requests", [body])) for body in stub.requests] == [BATCH, 1]
    body = stub.requests[0]
    assert stub.paths[0].endswith(
        "/locations/europe-west1/publishers/google/models/gemini-embedding-001:batchEmbedContents"
    )
    config = body["requests"][0]["embedContentConfig"]
    assert config == {"taskType": "RETRIEVAL_QUERY", "outputDimensionality": DIMENSION}
    assert stub.paths[1].endswith(":embedContent")  # one text alone: google-genai's single call
    embedder(stub).embed(["a passage", "another"], "document")
    assert stub.requests[-1]["requests"][0]["embedContentConfig"]["taskType"] == "RETRIEVAL_DOCUMENT"


def test_vertex_refusals_map_to_the_projects_errors(stub: Stub) -> None:
    stub.status = 429
    with pytest.raises(TransientError):
        embedder(stub).embed(["x"], "document")
    stub.status = 400
    with pytest.raises(ConfigError):
        embedder(stub).embed(["x"], "document")


def test_the_local_model_reads_a_passage_longer_than_its_input_whole() -> None:
    filler = " ".join(f"Quarterly budget line {i} was approved by finance." for i in range(40))
    tail = f"{filler} The office cat is fed twice a day by whoever arrives first."
    assert len(minilm._load().tokenizer.encode(filler).ids) == minilm.MAX_TOKENS  # cut, overflowing
    whole, cut = minilm.encode([tail], whole=True), minilm.encode([tail])
    [question] = minilm.encode(["who feeds the office cat?"])
    assert float(whole[0] @ question) > float(cut[0] @ question) + 0.02  # the tail was read
    short = ["we decided the pricing tiers"]
    assert abs(float(minilm.encode(short, whole=True)[0] @ minilm.encode(short)[0]) - 1) < 1e-5
    assert local_embedder.LocalEmbedder.whole  # what the index embeds
