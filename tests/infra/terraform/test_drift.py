"""Every target, queue, platform secret and setting of the code exists in terraform/, and the reverse."""

import copy
import dataclasses
from pathlib import Path

import pytest

from tests.support.infra.infra_drift import _evaluate
from tools.infra_drift import (
    FUNCTION_ENV,
    CodeModel,
    Terraform,
    drift,
    function_ingress,
    function_instances,
    main_targets,
)


def _with_locals(tf: Terraform, **changes: object) -> Terraform:
    new_locals = copy.deepcopy(tf.locals)
    new_locals.update(changes)
    return dataclasses.replace(tf, locals=new_locals)


def test_code_and_terraform_agree(code: CodeModel, tf: Terraform) -> None:
    assert drift(code, tf) == []


def test_every_target_has_exactly_one_function_resource(code: CodeModel, tf: Terraform) -> None:
    entries = sorted(entry for _, entry in function_instances(tf))
    assert entries == sorted(code.targets)
    assert code.targets == code.target_enum


def test_main_py_targets_are_read_from_the_file(code: CodeModel) -> None:
    assert {
        "oauth_callback",
        "notion_webhook",
        "plan",
        "execute_step",
        "deploy",
        "notify",
        "api",
    } <= code.targets


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('TARGETS = ("plan", "api")\n', {"plan", "api"}),
        (
            "from shared.platform.topology import Target\nTARGETS: tuple[str, ...] = (Target.PLAN, Target.API)\n",
            {"plan", "api"},
        ),
        ('TARGETS = frozenset({"notify"})\n', {"notify"}),
        ('__all__ = ["deploy"]\ndef deploy(request): ...\ndef helper(): ...\n', {"deploy"}),
        ("def plan(request): ...\nasync def notify(request): ...\ndef _private(): ...\n", {"plan", "notify"}),
    ],
)
def test_main_py_parser_understands_each_documented_form(
    tmp_path: Path, source: str, expected: set[str]
) -> None:
    main = tmp_path / "main.py"
    main.write_text(source)
    assert main_targets(main) == expected


def test_main_py_without_targets_is_an_error(tmp_path: Path) -> None:
    main = tmp_path / "main.py"
    main.write_text("import os\n")
    with pytest.raises(ValueError, match="no TARGETS"):
        main_targets(main)


def test_a_removed_function_is_drift(code: CodeModel, tf: Terraform) -> None:
    functions = {k: v for k, v in tf.locals["functions"].items() if k != "deploy"}
    items = drift(code, _with_locals(tf, functions=functions))
    assert any("'deploy'" in item and "expected exactly 1" in item for item in items), items


def test_a_new_target_in_the_code_is_drift(code: CodeModel, tf: Terraform) -> None:
    grown = dataclasses.replace(
        code, targets=code.targets | {"report"}, target_enum=code.target_enum | {"report"}
    )
    assert any("'report'" in item for item in drift(grown, tf))


def test_a_duplicated_function_resource_is_drift(code: CodeModel, tf: Terraform) -> None:
    resources = copy.deepcopy(tf.resources)
    resources["google_cloudfunctions2_function"]["plan_again"] = {
        "build_config": [{"entry_point": "plan", "runtime": "python313"}],
        "service_config": [{"environment_variables": FUNCTION_ENV}],
    }
    items = drift(code, dataclasses.replace(tf, resources=resources))
    assert any("'plan' has 2" in item for item in items), items


def test_a_removed_queue_is_drift(code: CodeModel, tf: Terraform) -> None:
    queues = {k: v for k, v in tf.locals["queues"].items() if k != "execute-step"}
    assert any("'execute-step'" in item for item in drift(code, _with_locals(tf, queues=queues)))


def test_a_queue_with_the_wrong_target_is_drift(code: CodeModel, tf: Terraform) -> None:
    queues = copy.deepcopy(tf.locals["queues"])
    queues["notify"]["target"] = "deploy"
    assert any("'notify' targets" in item for item in drift(code, _with_locals(tf, queues=queues)))


def test_a_removed_setting_is_drift(code: CodeModel, tf: Terraform) -> None:
    env = {k: v for k, v in tf.locals["settings_env"].items() if k != "NA_MODEL_PLAN"}
    assert any("'NA_MODEL_PLAN'" in item for item in drift(code, _with_locals(tf, settings_env=env)))


def test_a_new_setting_in_the_code_is_drift(code: CodeModel, tf: Terraform) -> None:
    grown = dataclasses.replace(code, settings_env=code.settings_env | {"NA_NEW_KNOB"})
    assert any("'NA_NEW_KNOB' is in the code" in item for item in drift(grown, tf))


def test_a_removed_platform_secret_is_drift(code: CodeModel, tf: Terraform) -> None:
    secrets = {k: v for k, v in tf.locals["platform_secrets"].items() if k != "session-signing-key"}
    items = drift(code, _with_locals(tf, platform_secrets=secrets))
    assert any("'session-signing-key'" in item for item in items)


def test_one_function_block_whose_ingress_follows_public(tf: Terraform) -> None:
    """Every function is one block (functions.tf); a public one takes the internet's requests only
    through the load balancer (loadbalancer.tf), the others internal traffic only."""
    assert list(tf.resources["google_cloudfunctions2_function"]) == ["function"]
    assert function_ingress(tf) == {
        key: "ALLOW_INTERNAL_AND_GCLB" if fn["public"] else "ALLOW_INTERNAL_ONLY"
        for key, fn in tf.locals["functions"].items()
    }


def test_an_ingress_the_check_cannot_read_is_refused(tf: Terraform) -> None:
    resources = copy.deepcopy(tf.resources)
    block = resources["google_cloudfunctions2_function"]["function"]
    block["service_config"][0]["ingress_settings"] = "${var.ingress}"
    with pytest.raises(ValueError, match="is not understood"):
        function_ingress(dataclasses.replace(tf, resources=resources))


def test_settings_env_holds_valid_production_values(tf: Terraform) -> None:
    from shared.platform.config import Settings

    env = {name: _evaluate(str(value), tf) for name, value in tf.locals["settings_env"].items()}
    settings = Settings.from_env(env)
    assert (
        settings.profile,
        settings.secrets_backend,
        settings.model_backend,
        settings.notifier_backend,
    ) == (
        "production",
        "secret-manager",
        "vertex",
        "live",
    )
    assert settings.firestore_emulator_host == settings.tasks_emulator_host == settings.model_base_url == ""
    # Every model the functions call has a price, or its calls would cost 0 and no budget would stop them.
    assert {settings.model_plan, settings.model_draft} <= set(settings.model_prices)
    assert (settings.default_run_budget_usd, settings.default_day_budget_usd) == (1.0, 5.0)


def test_step_lease_outlives_execute_step_and_the_sweeper_waits_for_it(tf: Terraform) -> None:
    env = tf.locals["settings_env"]
    lease, stall = float(env["NA_STEP_LEASE_S"]), float(env["NA_SWEEP_STALL_S"])
    assert lease > tf.locals["functions"]["execute_step"]["timeout"]
    assert stall > lease


def test_a_pages_unwritten_claim_outlives_a_plan_attempt(tf: Terraform) -> None:
    """A run that claimed its page is planned within plan's timeout; only then may the page pass on."""
    from shared.engine.planning.start import PAGE_HOLD

    assert PAGE_HOLD.total_seconds() >= 2 * tf.locals["functions"]["plan"]["timeout"]


def test_model_prices_match_the_cost_model(tf: Terraform) -> None:
    from tools.cost_model import Prices

    prices = tf.variables["model_prices"]["default"]
    assert prices[tf.variables["model_plan"]["default"]] == [Prices.flash_in, Prices.flash_out]
    assert prices[tf.variables["model_draft"]["default"]] == [Prices.pro_in, Prices.pro_out]


def test_function_urls_of_the_settings_point_at_the_functions(tf: Terraform) -> None:
    """Task targets by their run.app URL (the OIDC audience); the public api by the load balancer's
    origin (tests/infra/iam/test_public_endpoint.py follows those URLs through the URL map)."""
    env = tf.locals["settings_env"]
    for target in ("plan", "execute_step", "deploy", "notify"):
        assert env[f"NA_{target.upper()}_URL"] == f'${{local.function_urls["{target}"]}}'
    assert env["NA_API_URL"] == '${local.public_endpoints["api"]}'
    assert env["NA_OAUTH_CALLBACK_URL"] == '${local.public_endpoints["oauth_callback"]}'
