"""docs/deploy.md's cost table is the cost model's output, and its assumptions are the model's."""

import re
from pathlib import Path

import pytest

from tools.cost_model import DAYS, WARM_INSTANCES, Prices, Tokens, Usage, estimate, markdown, warm_instances
from tools.infra_drift import Terraform

DOC = Path(__file__).resolve().parents[3] / "docs" / "deploy.md"


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
    p = Prices()
    assert f"${p.lb_rules_hour:g} per hour" in text and f"${p.lb_gib_processed:g} per GiB" in text
    assert (
        f"{u.webhook_kib:g} KiB per webhook delivery" in text and f"{u.api_kib:g} KiB per API request" in text
    )


def test_cost_grows_with_tenants_and_every_service_is_counted() -> None:
    small, large = estimate(100), estimate(10_000)
    assert set(small) == {
        "Cloud Tasks",
        "Firestore",
        "Cloud Run functions",
        "Secret Manager",
        "Gemini tokens (Vertex AI)",
        "Claude fallback tokens (Vertex AI)",
        "Index embeddings (Vertex AI)",
        "Ranking API (Vertex AI)",
        "Firestore backups and PITR",
        "Load balancer (public origin)",
    }
    assert all(large[k] >= small[k] for k in small)
    assert sum(large.values()) > 50 * sum(small.values())


def test_the_workspace_index_is_counted_per_tenant() -> None:
    """Embeddings of every passage and each edit and search, and the index's Firestore."""
    none, some = estimate(100, Usage(indexed_pages=0, page_edits=0, searches=0, asks=0)), estimate(100)
    assert none["Index embeddings (Vertex AI)"] == 0 < some["Index embeddings (Vertex AI)"]
    assert some["Firestore"] > none["Firestore"]


def test_the_load_balancer_costs_its_forwarding_rules_even_when_idle(tf: Terraform) -> None:
    """terraform/loadbalancer.tf: two forwarding rules (HTTPS, HTTP redirect), billed as one hourly
    charge for up to five; the rest is data processed."""
    assert 1 <= len(tf.resources["google_compute_global_forwarding_rule"]) <= 5
    fixed = DAYS * 24 * Prices().lb_rules_hour
    assert 17 < fixed < 19
    idle = estimate(0)["Load balancer (public origin)"]
    assert idle == fixed
    assert estimate(10_000)["Load balancer (public origin)"] > idle


def test_the_warm_instances_are_terraform_s_and_counted_every_second(tf: Terraform) -> None:
    """terraform/variables.tf's default min_instances is the cost model's: api keeps one instance warm
    (decision 0059), 1 vCPU and 0.5 GiB idle a whole month, even with no tenant."""
    assert tf.variables["min_instances"]["default"] == WARM_INSTANCES
    assert tf.locals["functions"]["api"]["cpu"] == "1" and tf.locals["functions"]["api"]["memory"] == "512Mi"
    month = DAYS * 24 * 3600 * (Prices().idle_vcpu_second + 0.5 * Prices().idle_gib_second)
    assert warm_instances() == pytest.approx(month) == pytest.approx(9.72)
    assert estimate(0)["Cloud Run functions"] == pytest.approx(month)


def test_thinking_tokens_are_counted_at_the_deployed_budgets_and_billed_as_output(tf: Terraform) -> None:
    """The cost model counts each call's thinking at its thinking budget, as deployed
    (terraform/settings.tf) and as the code's defaults, priced as output tokens."""
    from shared.platform.config import Settings

    t, env, budgets = Tokens(), tf.locals["settings_env"], Settings().thinking_budgets()
    assert (t.plan_think, t.draft_think) == (budgets["plan"], budgets["draft"])
    assert t.step_think == budgets["repair"] == budgets["review"]  # a repair or a reviewer pass
    assert budgets.pop("code") == budgets["draft"]  # a draft of code: no setting of its own
    for kind, tokens in budgets.items():
        assert env[f"NA_MODEL_THINKING_{kind.upper()}"] == str(tokens)
    without = estimate(100, t=Tokens(plan_think=0, step_think=0, draft_think=0))
    p, u, n = Prices(), Usage(), 100 * DAYS
    drafts = n * u.runs * u.steps_per_run * u.model_step_share * u.draft_share
    thinking = estimate(100)["Gemini tokens (Vertex AI)"] - without["Gemini tokens (Vertex AI)"]
    assert thinking > drafts * t.draft_think * p.pro_out / 1e6  # the drafts' thinking, and more
    assert thinking > 0.4 * estimate(100)["Gemini tokens (Vertex AI)"]


def test_claudes_prices_are_the_settings_and_price_a_month_on_the_fallback() -> None:
    """The second family's prices in the cost model are those each run's spend uses
    (NA_MODEL_PRICES' defaults for NA_MODEL_CLAUDE_*), and the Gemini figure is unchanged by them."""
    from shared.platform.config import Settings
    from tools.cost_model import model_tokens_usd

    s, p = Settings(), Prices()
    assert s.model_prices[s.model_claude_plan] == (p.claude_fast_in, p.claude_fast_out)
    assert s.model_prices[s.model_claude_draft] == (p.claude_strong_in, p.claude_strong_out)
    share = Usage().fallback_share
    assert estimate(100)["Gemini tokens (Vertex AI)"] == (1 - share) * model_tokens_usd(100, "gemini")
    claude = model_tokens_usd(100, "claude")
    # No thinking on Claude: its month is its prices over the answers' tokens alone.
    bare = Tokens(plan_think=0, step_think=0, draft_think=0, ask_think=0)
    cheap = Prices(
        flash_in=p.claude_fast_in,
        flash_out=p.claude_fast_out,
        pro_in=p.claude_strong_in,
        pro_out=p.claude_strong_out,
    )
    assert claude == pytest.approx(model_tokens_usd(100, "gemini", t=bare, p=cheap))
    assert claude > 0


def test_the_deployment_caps_tenant_cost_is_the_cost_models(tf: Terraform) -> None:
    """terraform/variables.tf's model_usd_per_tenant_day, the cap formula's per-tenant figure: one
    tenant's day of model calls, every call answered by the dearer family (the fallback may answer
    all of them during an outage), rounded up to the cent. A change of the cost model fails here."""
    import math

    from tools.cost_model import model_tokens_usd

    per_day = max(model_tokens_usd(1, family) / DAYS for family in ("gemini", "claude"))
    assert tf.variables["model_usd_per_tenant_day"]["default"] == math.ceil(per_day * 100) / 100
    # The old fixed cap, $100 a day, stopped every tenant's calls at this many tenants.
    assert 280 < 100 / model_tokens_usd(1, "gemini") * DAYS < 310


def test_the_lines_a_review_found_missing_are_counted_at_the_deployed_settings(tf: Terraform) -> None:
    """Ranking at NA_RERANK_PRICE_PER_1K per search and Ask, Ask's answers at its thinking budget, the
    fallback's share at Claude's prices, each tenant's secrets, and the backups terraform keeps."""
    from shared.platform.config import Settings
    from tools.cost_model import BACKUP_RETENTION_DAYS, model_tokens_usd

    s, u, p, t, n = Settings(), Usage(), Prices(), Tokens(), 100 * DAYS
    assert p.rank_per_1k == s.rerank_price_per_1k and t.ask_think == s.model_thinking_answer
    assert tf.variables["firestore_backup_retention_days"]["default"] == BACKUP_RETENTION_DAYS
    full = estimate(100)
    assert full["Ranking API (Vertex AI)"] == pytest.approx(n * (u.searches + u.asks) / 1000 * p.rank_per_1k)
    fallback = u.fallback_share * model_tokens_usd(100, "claude")
    assert full["Claude fallback tokens (Vertex AI)"] == pytest.approx(fallback) and fallback > 0
    no_asks = estimate(100, Usage(asks=0))
    assert full["Gemini tokens (Vertex AI)"] > no_asks["Gemini tokens (Vertex AI)"]
    no_backups = estimate(100, p=Prices(backup_gib_month=0))
    assert full["Firestore backups and PITR"] > 0 == no_backups["Firestore backups and PITR"]
    one_secret = estimate(100, Usage(secrets_per_tenant=1))
    assert full["Secret Manager"] > one_secret["Secret Manager"]
    # The review's missing lines were about $0.70 a tenant-month; counted here, about $1.10.
    before = estimate(
        100,
        Usage(asks=0, fallback_share=0, secrets_per_tenant=1),
        p=Prices(rank_per_1k=0, backup_gib_month=0),
    )
    assert 0.7 < (sum(full.values()) - sum(before.values())) / 100 < 1.5


def test_the_cached_input_the_bench_measured_is_shown_apart_at_its_saving() -> None:
    """docs/deploy.md's figures for the implicit cache (decision 0214) are the model's: the share
    measured by make bench-tokens, at a tenth of the input price, and what it takes off Gemini's line."""
    from shared.platform.domain.model_calls import CACHED_INPUT_SHARE
    from tools.cost_model import MEASURED_CACHED_SHARE, cached_saving

    assert CACHED_INPUT_SHARE == 0.1  # the 0.9 cached_saving takes off each cached token
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    saving, gemini = cached_saving(1), estimate(1)["Gemini tokens (Vertex AI)"]
    assert f"it served {MEASURED_CACHED_SHARE:.0%} of the input".replace("%", " %") in text
    assert f"by about {saving / gemini:.0%} (${saving:.2f} a tenant-month)".replace("%", " %") in text
    assert 0 < cached_saving(1, 0.5) < saving < gemini


def test_a_smaller_plan_thinking_budget_is_shown_apart_at_its_saving() -> None:
    """docs/deploy.md's figure for a plan thinking 256 tokens (decision 0226) is the model's: what it
    takes off Gemini's line, the plans' share of it, less with a larger budget, none at today's."""
    from tools.cost_model import SMALLER_PLAN_THINKING, thinking_saving

    text = " ".join(DOC.read_text(encoding="utf-8").split())
    saving, gemini = thinking_saving(1), estimate(1)["Gemini tokens (Vertex AI)"]
    assert f"thinking budget of {SMALLER_PLAN_THINKING} instead of {Tokens().plan_think:,}" in text
    assert f"by about {saving / gemini:.0%} (${saving:.2f} a tenant-month)".replace("%", " %") in text
    assert thinking_saving(1, Tokens().plan_think) == 0 < thinking_saving(1, 512) < saving < gemini
