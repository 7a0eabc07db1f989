"""Every GraphQL document the Linear adapter sends validates against Linear's published schema (derived
from @linear/sdk, pinned by integrity: tools/linear_schema.py), and the vendored schema is the one the
pinned package gives."""

from pathlib import Path

import pytest
from graphql import parse, validate

from local.linear_sandbox.schema import SCHEMA, SCHEMA_PATH
from shared.sync.adapters.linear import DOCUMENTS
from tools import linear_schema


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_document_validates_against_linears_schema(name: str) -> None:
    assert validate(SCHEMA, parse(DOCUMENTS[name])) == []


def test_a_document_off_the_schema_is_refused() -> None:
    errors = validate(SCHEMA, parse('query { issue(id: "x") { titel } }'))
    assert errors and "titel" in errors[0].message


def test_the_vendored_schema_names_its_pinned_package() -> None:
    head = SCHEMA_PATH.read_text().splitlines()[0]
    assert f"@linear/sdk@{linear_schema.VERSION}" in head and linear_schema.INTEGRITY in head


def test_the_converter_refuses_a_tarball_of_another_hash(tmp_path: Path) -> None:
    other = tmp_path / "x.tgz"
    other.write_bytes(b"not the package")
    with pytest.raises(SystemExit, match="not @linear/sdk"):
        linear_schema.main(str(other))
