"""Notion sandbox: a stateful local stand-in for the parts of Notion's API the agent uses.

Entry points: `python -m local.notion_sandbox --port P`, `make_app(sandbox)` and `SandboxServer`.
See README.md beside this file for routes, switches and the seeded ids.
"""

from local.notion_sandbox.app import SandboxServer, make_app
from local.notion_sandbox.sandbox import Sandbox
from local.notion_sandbox.seed import seed_ids
from local.notion_sandbox.signing import is_valid, signature

__all__ = ["Sandbox", "SandboxServer", "is_valid", "make_app", "seed_ids", "signature"]
