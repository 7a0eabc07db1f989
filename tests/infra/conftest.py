"""Fixtures for the offline Terraform checks: the parsed configuration and the code's model."""

import pytest

from tools.infra_drift import CodeModel, Terraform, code_model, load_terraform


@pytest.fixture(scope="session")
def tf() -> Terraform:
    return load_terraform()


@pytest.fixture(scope="session")
def code() -> CodeModel:
    return code_model()
