"""Linear's published GraphQL schema, built once with graphql-core from the vendored SDL (derived from
``@linear/sdk`` by tools/linear_schema.py; NOTICE.md beside this file says where it came from)."""

from functools import lru_cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA_PATH.read_text())


SCHEMA = schema()
