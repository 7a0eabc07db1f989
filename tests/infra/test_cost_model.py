"""docs/deploy.md's cost table is the cost model's output, and its assumptions are the model's."""

import re
from pathlib import Path

from tools.cost_model import Usage, estimate, markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def test_the_document_shows_the_models_figures() -> None:
    text = DOC.read_text()
    table = re.search(r"<!-- cost-table:start -->\n(.*?)\n<!-- cost-table:end -->", text, re.S)
    assert table, "docs/deploy.md lost its cost table markers"
    assert table.group(1) == markdown(), "regenerate the table: python tools/cost_model.py"


def test_the_documented_assumptions_are_the_models() -> None:
    text = " ".join(DOC.read_text().split())
    u = Usage()
    assert f"{u.webhook_events:g} webhook deliveries" in text
    assert f"{u.runs:g} runs" in text and f"of {u.steps_per_run:g} steps" in text
    assert f"{u.model_step_share:.0%}".replace("%", " %") in text


def test_cost_grows_with_tenants_and_every_service_is_counted() -> None:
    small, large = estimate(100), estimate(10_000)
    assert set(small) == {
        "Cloud Tasks",
        "Firestore",
        "Cloud Run functions",
        "Secret Manager",
        "Gemini tokens (Vertex AI)",
    }
    assert all(large[k] >= small[k] for k in small)
    assert sum(large.values()) > 50 * sum(small.values())
