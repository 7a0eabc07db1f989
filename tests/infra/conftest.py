"""Fixtures for the offline Terraform checks: the parsed configuration and the code's model."""

import json
from pathlib import Path
from typing import Any

import pytest

from tools.infra_drift import ROOT, CodeModel, Terraform, code_model, load_terraform


@pytest.fixture(scope="session")
def tf() -> Terraform:
    return load_terraform()


@pytest.fixture(scope="session")
def code() -> CodeModel:
    return code_model()


@pytest.fixture(scope="session")
def schemas_path() -> Path:
    """The providers' schemas that `make check-infra` extracts before it runs these tests."""
    path = ROOT / ".venv-infra" / "provider-schemas.json"
    assert path.is_file(), f"{path} is missing: run `make check-infra`, which builds it"
    return path


@pytest.fixture(scope="session")
def schemas(schemas_path: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(schemas_path.read_text())
    return loaded
