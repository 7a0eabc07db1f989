"""Settings from the environment: prefix, coercion, JSON for structured fields, clear errors."""

import os

import pytest

from shared.bootstrap import Container
from shared.notify.adapters.smtp import SmtpMailer
from shared.platform.config import Settings
from shared.platform.errors import ConfigError


def test_defaults_are_the_local_profile_and_variables_override_them() -> None:
    assert Settings.from_env({}).profile == "local"
    settings = Settings.from_env(
        {
            "NA_GCP_PROJECT": "p1",
            "NA_SECRET_CACHE_TTL_S": "12.5",
            "NA_MODEL_PRICES": '{"m": [0.1, 0.4]}',
            "NA_LOG_LEVEL": "DEBUG",
            "GCP_PROJECT": "ignored-without-prefix",
            "NA_NOT_A_SETTING": "ignored",
        }
    )
    assert (settings.profile, settings.gcp_project, settings.secret_cache_ttl_s) == ("local", "p1", 12.5)
    assert settings.model_prices == {"m": (0.1, 0.4)} and settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NA_PROFILE": "staging"}, "NA_PROFILE"),
        ({"NA_SECRET_CACHE_TTL_S": "soon"}, "NA_SECRET_CACHE_TTL_S"),
        ({"NA_MODEL_PRICES": "{not json"}, "NA_MODEL_PRICES"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_the_variable_not_its_value(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert named in caught.value.reason
    assert next(iter(env.values())) not in caught.value.reason


@pytest.mark.parametrize(
    ("values", "named", "problem"),
    [
        ({"run_max_steps": 1}, "NA_RUN_MAX_STEPS", "at least 2"),
        ({"step_lease_s": 0}, "NA_STEP_LEASE_S", "greater than 0"),
        ({"schedule_page_size": 1001}, "NA_SCHEDULE_PAGE_SIZE", "at most 1000"),
        ({"run_max_steps": "many"}, "NA_RUN_MAX_STEPS", "whole number"),
        ({"run_max_steps": True}, "NA_RUN_MAX_STEPS", "whole number"),
        ({"step_lease_s": float("nan")}, "NA_STEP_LEASE_S", "finite"),
        ({"gcp_project": 7}, "NA_GCP_PROJECT", "string"),
        ({"model_prices": {"m": [1.0]}}, "NA_MODEL_PRICES", "list of 2"),
        ({"model_prices": ["m"]}, "NA_MODEL_PRICES", "JSON object"),
    ],
)
def test_values_given_in_code_are_checked_like_the_environment(
    values: dict[str, object], named: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(**values)
    assert named in caught.value.reason and problem in caught.value.reason


def test_every_problem_is_reported_at_once_and_values_are_coerced() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"NA_RUN_MAX_STEPS": "0", "NA_PROFILE": "dev"})
    assert "NA_RUN_MAX_STEPS" in caught.value.reason and "NA_PROFILE" in caught.value.reason
    settings = Settings.from_env({"NA_RUN_MAX_STEPS": " 12 ", "NA_STEP_LEASE_S": "30"})
    assert settings.run_max_steps == 12 and settings.step_lease_s == 30.0
    assert isinstance(Settings(step_lease_s=30).step_lease_s, float)


def test_settings_are_frozen_and_defaults_are_not_shared() -> None:
    first, second = Settings(), Settings()
    with pytest.raises(AttributeError):
        first.region = "elsewhere"
    first.model_prices["x"] = (1.0, 1.0)
    assert "x" not in second.model_prices


def test_an_unknown_setting_is_refused_and_replace_checks_like_construction() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(regoin="x")
    assert "regoin" in caught.value.reason
    settings = Settings(region="europe-west4")
    assert settings.replace(run_max_steps=10).region == "europe-west4"
    with pytest.raises(ConfigError):
        settings.replace(run_max_steps=1)


def test_a_mail_relay_needs_a_host_and_a_sender_and_plain_text_only_on_loopback() -> None:
    local = Settings(notifier_backend="live")
    with pytest.raises(ConfigError, match="NA_SMTP_HOST and NA_SMTP_SENDER"):
        _ = Container(local).notify.mailer
    relay = local.replace(
        smtp_host="127.0.0.1", smtp_sender="Agent <agent@acme.example>", smtp_security="none"
    )
    assert isinstance(Container(relay).notify.mailer, SmtpMailer)  # built; nothing connects before a send
    with pytest.raises(ValueError, match="only allowed to a loopback relay"):
        _ = Container(relay.replace(smtp_host="smtp.acme.example")).notify.mailer
    with pytest.raises(ConfigError, match="NA_SMTP_SECURITY"):
        Settings(smtp_security="ssl")


def test_only_from_env_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values given in code never pick up the process's NA_ variables; from_env reads the mapping
    it is given (pydantic-settings' environment source), get_settings passes os.environ."""
    monkeypatch.setenv("NA_REGION", "europe-west4")
    assert Settings().region == "europe-west1"
    assert Settings.from_env(os.environ).region == "europe-west4"
    assert Settings.from_env({"na_region": "us-central1"}).region == "us-central1"  # case-insensitive
