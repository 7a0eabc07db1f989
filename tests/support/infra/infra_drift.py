"""Shared by several test modules: helpers first written for ``tests/infra/terraform/test_drift.py``."""

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tools.infra_drift import Terraform

SPEND_CAP = "${tostring(local.spend_cap_day_usd)}"  # settings.tf's NA_SPEND_CAP_DAY_USD


def spend_cap(value_of: Callable[[str], Any]) -> Decimal:
    """local.spend_cap_day_usd (terraform/variables.tf) from the variables ``value_of`` gives:
    spend_cap_day_usd when set, else ceil(expected_tenants x model_usd_per_tenant_day x
    spend_cap_headroom), in decimal as Terraform computes it (a float product can round 123 to 124).
    tests/infra/terraform/test_variable_validations.py holds it to Terraform's own evaluation."""
    fixed = value_of("spend_cap_day_usd")
    if fixed is not None:
        return Decimal(str(fixed))
    names = ("expected_tenants", "model_usd_per_tenant_day", "spend_cap_headroom")
    return Decimal(math.ceil(math.prod(Decimal(str(value_of(name))) for name in names)))


def _evaluate(value: str, tf: Terraform) -> str:
    """A literal as is; var.X, var.X.Y, tostring(...) of those and jsonencode(var.X) from the variables'
    defaults; anything else (computed by Terraform) a URL-like stand-in."""
    match = re.fullmatch(r"\$\{(tostring|jsonencode)?\(?var\.(\w+)((?:\.\w+)*)\)?\}", value)
    if match and "default" in tf.variables[match.group(2)]:
        found: Any = tf.variables[match.group(2)]["default"]
        for key in filter(None, match.group(3).split(".")):
            found = found[key]
        return json.dumps(found) if match.group(1) == "jsonencode" else str(found)
    if value == SPEND_CAP:
        return str(spend_cap(lambda name: tf.variables[name].get("default")))
    return value if "${" not in value else "https://computed-by-terraform.example"
