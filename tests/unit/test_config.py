"""Settings from the environment: prefix, coercion, JSON for structured fields, clear errors."""

import pytest

from shared.config import Settings
from shared.errors import ConfigError


def test_defaults_are_the_local_profile_and_variables_override_them() -> None:
    assert Settings.from_env({}).profile == "local"
    settings = Settings.from_env(
        {
            "NA_PROFILE": "production",
            "NA_GCP_PROJECT": "p1",
            "NA_SECRET_CACHE_TTL_S": "12.5",
            "NA_MODEL_PRICES": '{"m": [0.1, 0.4]}',
            "GCP_PROJECT": "ignored-without-prefix",
            "NA_NOT_A_SETTING": "ignored",
        }
    )
    assert (settings.profile, settings.gcp_project, settings.secret_cache_ttl_s) == ("production", "p1", 12.5)
    assert settings.model_prices == {"m": (0.1, 0.4)}


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
