"""The model's location is a setting: the composition root gives NA_MODEL_LOCATION
to Gemini and to the embedder alike, and each calls that location's endpoint. Driven through
google-genai against a loopback stand-in (tests/support/platform/gemini_server.py), with google-auth's token
grant answered there too."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.bootstrap import Container
from shared.platform.config import Settings
from shared.platform.domain.model_replies import Draft
from tests.support.platform.gemini_server import GeminiServer
from tests.support.platform.google_credentials import service_account_file

pytestmark = pytest.mark.integration


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    if "requests" in body:  # batchEmbedContents
        return {"embeddings": [{"values": [0.1] * 768} for _ in body["requests"]]}
    if "content" in body:  # embedContent
        return {"embedding": {"values": [0.1] * 768}}
    text = json.dumps({"text": "OK"})
    usage = {"promptTokenCount": 10, "candidatesTokenCount": 2, "totalTokenCount": 12}
    candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
    return {"candidates": [candidate], "usageMetadata": usage}


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GeminiServer]:
    running = GeminiServer(_answer)
    credentials = service_account_file(tmp_path / "credentials.json", running.url + "/token")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(credentials))
    yield running
    running.stop()


@pytest.mark.parametrize("location", ["europe-west4", "global"])
def test_gemini_and_the_embedder_call_the_configured_location(server: GeminiServer, location: str) -> None:
    settings = Settings(
        model_backend="vertex",
        model_location=location,
        model_base_url=server.url,
        gcp_project="proj",
        model_prices={"gemini-3.5-flash-lite": (0.3, 2.5), "gemini-3.5-flash": (1.5, 9.0)},
        model_fallback=False,  # Gemini alone: its location is what this holds
    )
    container = Container(settings)
    assert container.platform.model.generate("fast", "say OK", Draft).value.text == "OK"
    container.memory.embedder.embed(["one passage", "another"], "document")
    calls = [path for path in server.paths if not path.endswith("/token")]
    assert len(calls) == 2
    assert all(f"/projects/proj/locations/{location}/publishers/google/models/" in path for path in calls)
