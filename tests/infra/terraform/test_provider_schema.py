"""terraform/ is held against the google and time providers' schemas, and a broken block is caught."""

import shutil
from pathlib import Path
from typing import Any

import pytest

from tools.check_infra import schema_errors
from tools.infra_drift import TERRAFORM_DIR
from tools.provider_schema import check, pinned_versions, versions


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of terraform/ for a test to break."""
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform*"))
    return copy


def _edit(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text()
    assert old in text, f"{name} no longer contains {old!r}: update the test"
    path.write_text(text.replace(old, new, 1))


def test_the_schemas_are_the_providers_releases_pinned(schemas: list[dict[str, Any]]) -> None:
    assert versions(schemas) == {"google": "8.7.0", "time": "0.14.2"}
    assert len(schemas[0]["resources"]) > 1000  # the whole provider, not a list of our own
    assert pinned_versions() == {"google": "= 8.7.0", "time": "= 0.14.2"}


def test_terraform_matches_the_schemas(schemas_path: Path) -> None:
    assert schema_errors(schemas_path) == []


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        # an argument name misspelt, inside a nested block
        ("functions.tf", "entry_point", "entrypoint", "build_config: unknown argument 'entrypoint'"),
        # a required argument left out
        ("storage.tf", "location", "# location", "missing required argument 'location'"),
        # a block written as an argument
        ("storage.tf", "versioning {", "versioning = {", "'versioning' is a block, written as an argument"),
        # a resource type that does not exist
        ("budget.tf", '"google_billing_budget"', '"google_billing_budgets"', "unknown resource type"),
        # an argument inside a dynamic block's content
        ("firestore.tf", "field_path = fields", "fieldpath = fields", "fields: unknown argument 'fieldpath'"),
        # a literal of the wrong type
        (
            "storage.tf",
            "uniform_bucket_level_access = true",
            'uniform_bucket_level_access = "yes"',
            "not a bool",
        ),
    ],
)
def test_a_broken_block_is_a_schema_error(
    broken: Path, schemas: list[dict[str, Any]], name: str, old: str, new: str, expected: str
) -> None:
    _edit(broken, name, old, new)
    errors = check(schemas, broken)
    assert any(expected in error for error in errors), errors


def test_a_provider_pinned_to_another_release_is_a_schema_error(broken: Path, schemas_path: Path) -> None:
    _edit(broken, "versions.tf", '"= 8.7.0"', '">= 7.0"')
    assert schema_errors(schemas_path, broken) == [
        "versions.tf: google is pinned '>= 7.0', the schema checked is = 8.7.0"
    ]
