"""A function's cold path defines its models but builds none of their validators.

Decision 0045 kept pydantic off the cold paths; issue 54 withdrew that goal (decision 0055): every
checked record is a pydantic model again. What still holds a cold start down is that a model's
validator is built on first use (``shared.platform.domain.schema.Schema``), so loading a function builds none.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from functions.main import TARGETS

ROOT = Path(__file__).resolve().parents[3]
_BUILT = """
import json, sys, functions.main as m
from pydantic._internal._mock_val_ser import MockValSer
from shared.platform.domain.schema import Schema
getattr(m, sys.argv[1])
found, pending = [], [Schema]
while pending:
    for sub in pending.pop().__subclasses__():
        pending.append(sub)
        found.append(sub)
built = [s.__qualname__ for s in found if not isinstance(s.__pydantic_validator__, MockValSer)]
print(json.dumps({"models": len(found), "built": built}))
"""


def models_of(target: str) -> dict[str, object]:
    """How many of our models a fresh interpreter defines once it loaded ``target`` as
    functions-framework does, and those whose validator it built."""
    ran = subprocess.run(
        [sys.executable, "-c", _BUILT, target], cwd=ROOT, capture_output=True, text=True, check=True
    )
    found: dict[str, object] = json.loads(ran.stdout)
    return found


@pytest.mark.parametrize("target", TARGETS)
def test_a_cold_path_builds_no_model_validator(target: str) -> None:
    found = models_of(target)
    assert found["built"] == []


def test_the_check_sees_a_validator_built_at_import() -> None:
    code = _BUILT.replace(
        "getattr(m, sys.argv[1])",
        "from shared.runs.domain.step_task import StepTask\nStepTask(tenant_id='t', run_id='r', step=1)",
    )
    ran = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "StepTask" in json.loads(ran.stdout)["built"]
