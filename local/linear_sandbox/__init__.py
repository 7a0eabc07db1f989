"""Linear sandbox: a local stand-in for the part of Linear's GraphQL API the sync uses, executing every
request with graphql-core against Linear's published schema (``schema.graphql``, NOTICE.md): a query
off the schema is refused as Linear refuses it, and counted. See :mod:`local.linear_sandbox.app`."""

from local.linear_sandbox.app import LinearSandbox, LinearServer

__all__ = ["LinearSandbox", "LinearServer"]
