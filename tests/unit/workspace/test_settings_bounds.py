"""Every setting is bounded, settings that must agree are checked together, and a deployment
(NA_PROFILE=production) refuses the local stack's choices: a bad value is a ConfigError at start that
names the variable and says what to set, never a broken production."""

from pathlib import Path

import pytest

from local.stack import LocalStack
from shared.platform.config import Settings
from shared.platform.errors import ConfigError
from shared.workspace.domain.settings import MAX_BUDGET_USD

# A deployment's environment as terraform/settings.tf sets it (tests/infra checks the real one).
PRODUCTION = {
    "NA_PROFILE": "production",
    "NA_GCP_PROJECT": "acme-agent",
    "NA_FIRESTORE_EMULATOR_HOST": "",
    "NA_TASKS_EMULATOR_HOST": "",
    "NA_TASKS_SERVICE_ACCOUNT": "tasks-invoker@acme-agent.iam.gserviceaccount.com",
    "NA_PLAN_URL": "https://plan-123.europe-west1.run.app",
    "NA_EXECUTE_STEP_URL": "https://execute-step-123.europe-west1.run.app",
    "NA_DEPLOY_URL": "https://deploy-123.europe-west1.run.app",
    "NA_NOTIFY_URL": "https://notify-123.europe-west1.run.app",
    "NA_API_URL": "https://agent.acme.example/api",
    "NA_SECRETS_BACKEND": "secret-manager",
    "NA_LOCAL_SECRETS_FILE": "",
    "NA_MODEL_BACKEND": "vertex",
    "NA_MODEL_BASE_URL": "",
    "NA_MODEL_PRICES": '{"gemini-3.5-flash-lite": [0.3, 2.5], "gemini-3.5-flash": [1.25, 10.0], '
    '"claude-haiku-4-5": [1.0, 5.0], "claude-sonnet-4-6": [3.0, 15.0]}',  # Claude: the fallback
    "NA_NOTIFIER_BACKEND": "live",
    "NA_OUTBOX_DIR": "",
    "NA_FRONTEND_URL": "https://app.acme.example/connected",
    "NA_OAUTH_CALLBACK_URL": "https://agent.acme.example/oauth/callback",
    "NA_SMTP_HOST": "smtp.sendgrid.net",
    "NA_SMTP_PORT": "587",
    "NA_SMTP_SECURITY": "starttls",
    "NA_SMTP_SENDER": "Notion Agent <agent@acme.example>",
    "NA_STEP_LEASE_S": "660",
    "NA_SWEEP_STALL_S": "900",
}


def refused(env: dict[str, str]) -> str:
    """The reason of the ConfigError that ``env`` gets."""
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    return caught.value.reason


def test_a_deployments_environment_is_valid() -> None:
    settings = Settings.from_env(PRODUCTION)
    assert (settings.profile, settings.secrets_backend, settings.step_lease_s) == (
        "production",
        "secret-manager",
        660.0,
    )


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("NA_NOTION_TIMEOUT_S", "0", "at least 1"),
        ("NA_NOTION_TIMEOUT_S", "-5", "at least 1"),
        ("NA_NOTION_TIMEOUT_S", "0.0004", "at least 1"),  # int(ms) would be a 0 timeout
        ("NA_NOTION_TIMEOUT_S", "20000", "at most 120"),  # milliseconds by mistake
        ("NA_CODE_TIMEOUT_S", "0", "at least 1"),
        ("NA_CODE_TIMEOUT_S", "121", "at most 120"),
        ("NA_SLACK_TIMEOUT_S", "0", "at least 1"),
        ("NA_SLACK_TIMEOUT_S", "121", "at most 120"),
        ("NA_SMTP_TIMEOUT_S", "0", "at least 1"),
        ("NA_SMTP_TIMEOUT_S", "121", "at most 120"),
        ("NA_APPROVAL_LINK_TTL_S", "-1", "at least 3600"),
        ("NA_APPROVAL_LINK_TTL_S", "0", "at least 3600"),
        ("NA_APPROVAL_LINK_TTL_S", "60", "at least 3600"),
        ("NA_APPROVAL_LINK_TTL_S", str(30 * 24 * 3600 + 1), "at most 2592000"),
        ("NA_WEBHOOK_MAX_BODY_BYTES", "0", "at least 4096"),
        ("NA_WEBHOOK_MAX_BODY_BYTES", "4095", "at least 4096"),
        ("NA_WEBHOOK_MAX_BODY_BYTES", str(1024 * 1024 + 1), "at most 1048576"),
        ("NA_SECRET_CACHE_TTL_S", "-1", "at least 0"),
        ("NA_SECRET_CACHE_TTL_S", "3601", "at most 3600"),
        ("NA_RUN_MAX_STEPS", "501", "at most 500"),
        ("NA_RUN_LOOP_LIMIT", "21", "at most 20"),
        ("NA_RUN_MAX_CONSECUTIVE_ERRORS", "21", "at most 20"),
        ("NA_PLAN_MAX_REASKS", "6", "at most 5"),
        ("NA_STEP_LEASE_S", "3601", "at most 3600"),
        ("NA_STEP_RETRY_INLINE_S", "-1", "at least 0"),
        ("NA_STEP_RETRY_INLINE_S", "61", "at most 60"),
        ("NA_SWEEP_STALL_S", "-1", "at least 0"),
        ("NA_SWEEP_STALL_S", "86401", "at most 86400"),
        ("NA_SPEND_CACHE_TTL_S", "601", "at most 600"),
        ("NA_NOTION_MAX_INLINE_WAIT_S", "-1", "at least 0"),
        ("NA_NOTION_MAX_INLINE_WAIT_S", "11", "at most 10"),
        ("NA_NOTION_RATE_PER_S", "0", "at least 0.5"),
        ("NA_NOTION_RATE_PER_S", "0.4", "at least 0.5"),  # its interval is waited inline
        ("NA_TENANT_ROUTING_CACHE_S", "-1", "at least 0"),
        ("NA_TENANT_ROUTING_CACHE_S", "301", "at most 300"),
        ("NA_WEBHOOK_EVENT_TTL_S", "0", "at least 3600"),
        ("NA_WEBHOOK_EVENT_TTL_S", "3599", "at least 3600"),
        ("NA_WEBHOOK_EVENT_TTL_S", str(30 * 24 * 3600 + 1), "at most 2592000"),
        ("NA_LOG_LEVEL", "verbose", "must be one of"),
    ],
)
def test_a_value_out_of_bounds_is_refused_naming_the_variable(
    variable: str, value: str, problem: str
) -> None:
    reason = refused({variable: value})
    assert variable in reason and problem in reason


@pytest.mark.parametrize(("name", "cap"), sorted(MAX_BUDGET_USD.items()))
def test_the_default_budgets_go_up_to_what_an_owner_may_choose(name: str, cap: float) -> None:
    field = {
        "max_cost_per_run_usd": "default_run_budget_usd",
        "max_cost_per_day_usd": "default_day_budget_usd",
        "max_cost_per_month_usd": "default_month_budget_usd",
    }[name]
    assert getattr(Settings(**{field: cap}), field) == cap
    for bad in (-0.01, cap + 0.01):
        with pytest.raises(ConfigError) as caught:
            Settings(**{field: bad})
        assert f"NA_{field.upper()}" in caught.value.reason


@pytest.mark.parametrize(
    "values",
    [
        # The shortcuts tests take (tests/support/engine/engine_fakes.py, tests/reliability, tests/integration) ...
        {"sweep_stall_s": 0.0, "step_lease_s": 30.0, "spend_cache_ttl_s": 0.0},
        {"notion_max_inline_wait_s": 0.0, "notion_rate_per_s": 30.0, "notion_burst": 10, "step_lease_s": 1.0},
        {"webhook_max_body_bytes": 4096, "webhook_coalesce_s": 0.0, "webhook_run_rate_per_min": 0.0},
        {"run_max_steps": 300, "default_day_budget_usd": 0.0, "default_run_budget_usd": 0.0},
        # ... and each bound's own edge.
        {"notion_timeout_s": 1, "code_timeout_s": 120, "slack_timeout_s": 1, "smtp_timeout_s": 120},
        {"approval_link_ttl_s": 3600, "webhook_event_ttl_s": 30 * 24 * 3600, "secret_cache_ttl_s": 0},
        {"webhook_run_rate_per_min": 0.1, "tenant_routing_cache_s": 0, "step_retry_inline_s": 60},
    ],
)
def test_the_values_tests_and_edges_use_stay_valid(values: dict[str, object]) -> None:
    Settings(**values)


def test_the_local_stack_settings_stay_valid(tmp_path: Path) -> None:
    settings = Settings.from_env(LocalStack(workdir=tmp_path).env())
    assert (settings.profile, settings.smtp_security) == ("local", "none")


def test_a_webhook_run_rate_is_off_or_at_least_one_run_every_ten_minutes() -> None:
    reason = refused({"NA_WEBHOOK_RUN_RATE_PER_MIN": "0.05"})
    assert "NA_WEBHOOK_RUN_RATE_PER_MIN" in reason and "0 (no limit) or at least 0.1" in reason
    assert "0.05" not in reason
    assert Settings.from_env({"NA_WEBHOOK_RUN_RATE_PER_MIN": "0"}).webhook_run_rate_per_min == 0.0


def test_model_prices_are_not_negative_and_price_the_vertex_models() -> None:
    reason = refused({"NA_MODEL_PRICES": '{"m": [0.1, -0.4]}'})
    assert "NA_MODEL_PRICES" in reason and "must not be negative" in reason
    unpriced = PRODUCTION | {"NA_MODEL_DRAFT": "gemini-9-ultra"}
    reason = refused(unpriced)
    assert "NA_MODEL_PRICES" in reason and "NA_MODEL_DRAFT" in reason and "gemini-9-ultra" not in reason
    reason = refused(PRODUCTION | {"NA_MODEL_CLAUDE_DRAFT": "claude-opus-4-7"})  # the fallback's too
    assert "NA_MODEL_CLAUDE_DRAFT" in reason and "claude-opus-4-7" not in reason
    assert Settings.from_env(PRODUCTION | {"NA_MODEL_CLAUDE_DRAFT": "claude-9", "NA_MODEL_FALLBACK": "false"})
    # The offline model needs no price: the local stack's default.
    assert Settings(model_draft="gemini-9-ultra").model_backend == "offline"
    # A whole number beyond any float (JSON allows one) is a ConfigError, not an OverflowError.
    reason = refused({"NA_MODEL_PRICES": '{"m": [0.1, 1' + "0" * 309 + "]}"})
    assert "NA_MODEL_PRICES" in reason and "must be a finite number" in reason


def test_a_mail_relay_needs_a_from_address_and_a_security_its_port_speaks() -> None:
    relay = {"NA_SMTP_HOST": "smtp.acme.example", "NA_SMTP_SENDER": "Notion Agent <agent@acme.example>"}
    assert Settings.from_env(relay).smtp_port == 587
    for sender in ("", "agent-at-acme.example"):
        reason = refused(relay | {"NA_SMTP_SENDER": sender})
        assert "NA_SMTP_SENDER" in reason and "NA_SMTP_HOST" in reason
        assert not sender or sender not in reason
    for port, security in (("465", "starttls"), ("465", "none"), ("587", "tls")):
        reason = refused(relay | {"NA_SMTP_PORT": port, "NA_SMTP_SECURITY": security})
        assert "NA_SMTP_SECURITY" in reason and "NA_SMTP_PORT" in reason
    assert Settings.from_env(relay | {"NA_SMTP_PORT": "465", "NA_SMTP_SECURITY": "tls"}).smtp_port == 465
    assert (
        Settings.from_env(relay | {"NA_SMTP_PORT": "2525"}).smtp_port == 2525
    )  # any other port: any security
    assert Settings.from_env({"NA_SMTP_PORT": "465"}).smtp_host == ""  # no relay: nothing to agree with


@pytest.mark.parametrize(
    ("change", "named", "says"),
    [
        ({"NA_SECRETS_BACKEND": "local"}, "NA_SECRETS_BACKEND", "secret-manager"),
        ({"NA_MODEL_BACKEND": "offline"}, "NA_MODEL_BACKEND", "vertex"),
        ({"NA_NOTIFIER_BACKEND": "outbox"}, "NA_NOTIFIER_BACKEND", "live"),
        ({"NA_FIRESTORE_EMULATOR_HOST": "127.0.0.1:8086"}, "NA_FIRESTORE_EMULATOR_HOST", "empty"),
        ({"NA_TASKS_EMULATOR_HOST": "127.0.0.1:8123"}, "NA_TASKS_EMULATOR_HOST", "empty"),
        ({"NA_MODEL_BASE_URL": "http://127.0.0.1:7777/stub"}, "NA_MODEL_BASE_URL", "empty"),
        ({"NA_SMTP_HOST": "127.0.0.1", "NA_SMTP_SECURITY": "none"}, "NA_SMTP_SECURITY", "starttls or tls"),
        ({"NA_TASKS_SERVICE_ACCOUNT": ""}, "NA_TASKS_SERVICE_ACCOUNT", "must be set"),
        ({"NA_PLAN_URL": "http://127.0.0.1:8081"}, "NA_PLAN_URL", "https://"),
        ({"NA_EXECUTE_STEP_URL": "http://step.internal:8082"}, "NA_EXECUTE_STEP_URL", "https://"),
        ({"NA_API_URL": "http://agent.acme.example/api"}, "NA_API_URL", "https://"),
        ({"NA_OAUTH_CALLBACK_URL": "http://127.0.0.1:8080"}, "NA_OAUTH_CALLBACK_URL", "https://"),
        ({"NA_FRONTEND_URL": "http://127.0.0.1:3000"}, "NA_FRONTEND_URL", "https://"),
        ({"NA_NOTION_API_BASE_URL": "http://127.0.0.1:9001"}, "NA_NOTION_API_BASE_URL", "https://"),
        ({"NA_GITHUB_API_BASE_URL": "http://127.0.0.1:9002/github"}, "NA_GITHUB_API_BASE_URL", "https://"),
        ({"NA_SLACK_API_BASE_URL": ""}, "NA_SLACK_API_BASE_URL", "https://"),
        ({"NA_SWEEP_STALL_S": "600"}, "NA_SWEEP_STALL_S", "greater than NA_STEP_LEASE_S"),
        ({"NA_STEP_LEASE_S": "30", "NA_SWEEP_STALL_S": "900"}, "NA_STEP_LEASE_S", "NA_CODE_TIMEOUT_S"),
    ],
)
def test_a_deployment_refuses_the_local_stacks_choices(change: dict[str, str], named: str, says: str) -> None:
    reason = refused(PRODUCTION | change)
    assert named in reason and says in reason and "NA_PROFILE=production" in reason
    free_form = [value for value in change.values() if any(c in value for c in ".:/@")]
    assert not any(value in reason for value in free_form)  # a host, an account or a URL is never echoed
    # The same choice is the local stack's to make.
    assert Settings.from_env(PRODUCTION | change | {"NA_PROFILE": "local"}).profile == "local"


def test_every_problem_of_a_deployment_is_reported_at_once() -> None:
    reason = refused(
        PRODUCTION | {"NA_SECRETS_BACKEND": "local", "NA_FIRESTORE_EMULATOR_HOST": "localhost:8086"}
    )
    assert "NA_SECRETS_BACKEND" in reason and "NA_FIRESTORE_EMULATOR_HOST" in reason
