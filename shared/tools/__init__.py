"""The tool registry: every tool a run can ever use. A plan picks its allow-list from here when it is
made; nothing read from a workspace can add a tool or change this table.

A tool's module loads when the tool is first looked up (:data:`TOOL_MODULES` names it), so a step
loads the tools of its run's plan, not every tool's code and argument models (decision 0017).
"""

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from shared.platform.errors import ModelFixableError
from shared.tools.base import REFERENCE, Args, SideEffect, Tool, ToolContext, build, idempotency_key

# Every tool, by the module of shared.tools that defines it (in its TOOLS); a test holds this
# table to the modules.
TOOL_MODULES: dict[str, str] = {
    "read_page": "notion_read",
    "query_data_source": "notion_read",
    "search_pages": "notion_read",
    "search_workspace": "memory",
    "create_page": "notion_write",
    "update_properties": "notion_write",
    "append_blocks": "notion_write",
    "add_comment": "notion_write",
    "update_block": "notion_edit",
    "delete_block": "notion_edit",
    "move_block": "notion_edit",
    "move_page": "notion_edit",
    "archive_page": "notion_edit",
    "restore_page": "notion_edit",
    "create_database": "notion_edit",
    "add_file": "notion_edit",
    "open_pull_request": "pull_request",
    "deploy_vercel": "pull_request",
    "push_fix": "pull_request",
    "await_checks": "pull_request",
    "await_deployment": "release",
    "merge_pull_request": "release",
    "check_production": "release",
    "roll_back_production": "release",
    "await_review": "revision",
    "push_revision": "revision",
    "read_repository": "repository",
    "write_requirements": "requirements",
    "read_requirements": "requirements",
    "draft_text": "flow",
    "request_approval": "flow",
    "ask_question": "flow",
    "send_notification": "flow",
    "plan_next": "flow",
    "hand_off": "flow",
    "map_rows": "fanout",
    "fan_in": "fanout",
    "finish": "flow",
    "create_issue": "trackers",
    "comment_on_issue": "trackers",
    "update_issue": "trackers",
    "create_task": "trackers",
    "update_task": "trackers",
    "comment_on_task": "trackers",
    "debate": "patterns",
    "panel": "patterns",
    "settle": "patterns",
    "call_mcp": "mcp_calls",
    "undo_effect": "take_back",
}
# Tools only code plans (an undo run's steps): left out of the model's catalogue, refused in its plans.
CODE_PLANNED = frozenset({"undo_effect"})


@cache
def _tools_of(module: str) -> dict[str, Tool]:
    return {t.name: t for t in _declared(module)}


def _declared(module: str) -> list[Tool]:  # noqa: PLR0911, PLR0912 (a case per module)
    """The TOOLS of ``module``, imported here by name: readers of imports (tests/infra) see them."""
    match module:
        case "notion_read":
            from shared.tools import notion_read

            return notion_read.TOOLS
        case "notion_write":
            from shared.tools import notion_write

            return notion_write.TOOLS
        case "notion_edit":
            from shared.tools import notion_edit

            return notion_edit.TOOLS
        case "pull_request":
            from shared.tools.code import pull_request

            return pull_request.TOOLS
        case "release":
            from shared.tools.code import release

            return release.TOOLS
        case "repository":
            from shared.tools.code import repository

            return repository.TOOLS
        case "revision":
            from shared.tools.code import revision

            return revision.TOOLS
        case "requirements":
            from shared.tools.code import requirements

            return requirements.TOOLS
        case "flow":
            from shared.tools import flow

            return flow.TOOLS
        case "memory":
            from shared.tools import memory

            return memory.TOOLS
        case "fanout":
            from shared.tools import fanout

            return fanout.TOOLS
        case "trackers":
            from shared.tools import trackers

            return trackers.TOOLS
        case "patterns":
            from shared.tools import patterns

            return patterns.TOOLS
        case "mcp_calls":
            from shared.tools import mcp_calls

            return mcp_calls.TOOLS
        case "take_back":
            from shared.tools import take_back

            return take_back.TOOLS
    raise KeyError(module)


class _Registry(Mapping[str, Tool]):
    """The tools by name, in :data:`TOOL_MODULES`' order; looking one up loads its module."""

    def __getitem__(self, name: str) -> Tool:
        return _tools_of(TOOL_MODULES[name])[name]

    def __iter__(self) -> Iterator[str]:
        return iter(TOOL_MODULES)

    def __len__(self) -> int:
        return len(TOOL_MODULES)


REGISTRY: Mapping[str, Tool] = _Registry()

__all__ = ["REGISTRY", "Args", "SideEffect", "Tool", "ToolContext", "idempotency_key", "resolve", "validate"]


def validate(tool: str, args: dict[str, Any], allowed: tuple[str, ...] | None = None) -> Args:
    """The typed arguments of a call, or a ModelFixableError saying what to fix."""
    if tool not in REGISTRY or (allowed is not None and tool not in allowed):
        raise ModelFixableError(
            f"unknown or not allowed tool {tool!r}; use one of {sorted(allowed or REGISTRY)}"
        )
    return build(tool, REGISTRY[tool].args, args)


def _lookup(outputs: dict[str, dict[str, Any]], step: str, path: str) -> Any:
    value: Any = outputs.get(step)
    if value is None:
        raise ModelFixableError(f"${{steps.{step}{path}}} refers to a step without a recorded output")
    for part in filter(None, path.split(".")):
        if not isinstance(value, dict) or part not in value:
            # A run keeps the fields its plan refers to (shared.runs.domain.state._referenced): say which
            # there are, so a repair picks one instead of guessing again.
            known = (
                f" (it has: {', '.join(sorted(map(str, value))[:20]) or 'none'})"
                if isinstance(value, dict)
                else ""
            )
            raise ModelFixableError(f"${{steps.{step}{path}}}: step {step} has no field {part!r}{known}")
        value = value[part]
    return value


def resolve(args: Any, outputs: dict[str, dict[str, Any]]) -> Any:
    """Replace ``${steps.N.field}`` references with earlier steps' outputs (whole value or inline)."""
    if isinstance(args, dict):
        return {k: resolve(v, outputs) for k, v in args.items()}
    if isinstance(args, list):
        return [resolve(v, outputs) for v in args]
    if not isinstance(args, str) or "${" not in args:
        return args
    whole = REFERENCE.fullmatch(args)
    if whole:
        return _lookup(outputs, whole[1], whole[2])
    return REFERENCE.sub(lambda m: str(_lookup(outputs, m[1], m[2])), args)
