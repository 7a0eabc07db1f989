"""Shared by several test modules: helpers first written for ``tests/infra/terraform/test_drift.py``."""

import json
import re
from typing import Any

from tools.infra_drift import Terraform


def _evaluate(value: str, tf: Terraform) -> str:
    """A literal as is; var.X, var.X.Y, tostring(...) of those and jsonencode(var.X) from the variables'
    defaults; anything else (computed by Terraform) a URL-like stand-in."""
    match = re.fullmatch(r"\$\{(tostring|jsonencode)?\(?var\.(\w+)((?:\.\w+)*)\)?\}", value)
    if match and "default" in tf.variables[match.group(2)]:
        found: Any = tf.variables[match.group(2)]["default"]
        for key in filter(None, match.group(3).split(".")):
            found = found[key]
        return json.dumps(found) if match.group(1) == "jsonencode" else str(found)
    return value if "${" not in value else "https://computed-by-terraform.example"
