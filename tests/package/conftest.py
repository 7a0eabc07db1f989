"""The ``package`` marker selects the deploy-artifact tests: ``pytest -m package``."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "package: builds the Cloud Functions source archive and runs it")
