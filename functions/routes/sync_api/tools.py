"""The routes every synced tool has (docs/api.md), one set parameterised by the tool (:class:`ToolRoutes`):
its status, connect and disconnect, the user mapping and the sync log. Then the handling of a tool's
public webhook (:func:`delivery`), and the tools, one row each, with their webhooks."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from functions._http import Reply, json_object
from functions.routes import Call, Handler
from functions.routes.deliveries import checked_delivery
from shared.bootstrap import Container
from shared.platform.errors import InvalidInput
from shared.sync.domain.connection import Tool
from shared.sync.ports import ToolStore
from shared.sync.services.connect import (
    connect_gitlab,
    connect_linear,
    disconnect_gitlab,
    disconnect_linear,
    gitlab_status,
    linear_status,
    set_people,
)
from shared.sync.services.intake import ingest_gitlab, ingest_linear
from shared.sync.services.motion import connect_motion, disconnect_motion, motion_status

_LOG_DAYS = 30
_PEOPLE = 'the body must be a JSON object {"people": {"<email>": "<Notion user id>"}}'


def log_since(call: Call) -> datetime:
    """The start of the sync log's window the request asks (``days``, 1 to 30; 7 by default)."""
    raw = call.request.args.get("days", "7")
    if not raw.isdigit() or not 1 <= int(raw) <= _LOG_DAYS:
        raise InvalidInput(f"days: a whole number of days from 1 to {_LOG_DAYS}", ["days"])
    return datetime.now(UTC) - timedelta(days=int(raw))


# What a connect body that is not a JSON object is told, by tool.
_CONNECT = {
    "linear": 'the body must be a JSON object {"api_key": "...", "team_id": "...", "data_source_id": "..."?}',
    "gitlab": 'the body must be a JSON object {"access_token": "...", "project": "group/project" or its id, '
    '"base_url": "https://gitlab.com"?, "data_source_id": "..."?}',
    "motion": 'the body must be a JSON object {"api_key": "...", "workspace_id": "...", "data_source_id": "..."?}',
}


@dataclass(frozen=True)
class ToolRoutes[L]:
    """One tool's five routes (``/sync/<tool>``): its methods are the handlers of the route table.
    ``store`` and ``linking`` name the tool's parts of the container (its store, the method that gives
    its linking); ``status``, ``connect`` and ``disconnect`` are its use cases."""

    tool: Tool
    store: str
    linking: str
    status: Callable[[str, Any], dict[str, Any]]
    connect: Callable[[str, dict[str, Any], L], dict[str, Any]]
    disconnect: Callable[[str, L], dict[str, Any]]

    def store_of(self, container: Container) -> ToolStore[Any]:
        """The tool's sync store in ``container``."""
        return cast(ToolStore[Any], getattr(container, self.store))

    def linking_of(self, container: Container) -> L:
        """What connecting and disconnecting the tool use, from ``container``."""
        return cast(L, getattr(container, self.linking)())

    def handlers(self) -> dict[str, Handler]:
        """The handlers it holds, by name (:func:`functions.routes.rows.handlers_of`)."""
        return {
            "get": self.get,
            "put": self.put,
            "delete": self.delete,
            "people": self.people,
            "log": self.log,
        }

    def get(self, call: Call) -> Reply:
        """``GET /sync/<tool>``: whether the tool is connected, and to what (never a secret)."""
        return self.status(call.tenant_id, self.store_of(call.container)), 200

    def put(self, call: Call) -> Reply:
        """``PUT /sync/<tool>``: connect the tool with the body's key, checked with the tool."""
        body = json_object(call.request, _CONNECT[self.tool])
        return self.connect(call.tenant_id, body, self.linking_of(call.container)), 200

    def delete(self, call: Call) -> Reply:
        """``DELETE /sync/<tool>``: disconnect the tool; it may be repeated."""
        return self.disconnect(call.tenant_id, self.linking_of(call.container)), 200

    def people(self, call: Call) -> Reply:
        """``PUT /sync/<tool>/people``: replace the user mapping."""
        body = json_object(call.request, _PEOPLE)
        return set_people(call.tenant_id, body, self.store_of(call.container), self.tool), 200

    def log(self, call: Call) -> Reply:
        """``GET /sync/<tool>/log``: the conflicts settled, the tool's side's time as ``<tool>_at``."""
        shown = []
        for entry in self.store_of(call.container).read_log(call.tenant_id, log_since(call), limit=200):
            row = entry.model_dump(mode="json")
            row[f"{self.tool}_at"] = row.pop("tool_at")
            shown.append(row)
        return {"entries": shown}, 200


def delivery[I](
    call: Call,
    name: str,
    ingest: Callable[[str, bytes, dict[str, str], I], dict[str, str]],
    intake: Callable[[Container], I],
) -> Reply:
    """A tool's webhook delivery for the path's tenant, through the webhooks' shared entry
    (:func:`functions.routes.deliveries.checked_delivery`), given to ``ingest`` with the tool's ``intake``."""
    tenant_id, body = checked_delivery(call, name)
    return ingest(tenant_id, body, dict(call.request.headers), intake(call.container)), 200


# Each tool: its store and the method giving its linking (the container's), its status, connect, disconnect.
LINEAR, GITLAB, MOTION = (
    ToolRoutes("linear", "sync_store", "linking", linear_status, connect_linear, disconnect_linear),
    ToolRoutes("gitlab", "gitlab_store", "gitlab_linking", gitlab_status, connect_gitlab, disconnect_gitlab),
    ToolRoutes("motion", "motion_store", "motion_linking", motion_status, connect_motion, disconnect_motion),
)


def linear_webhook(call: Call) -> Reply:
    """``POST /sync/linear/webhook/<tenant_id>``: a delivery of Linear's (shared.sync.services.intake)."""
    return delivery(call, "Linear", ingest_linear, lambda c: c.linear_intake())


def gitlab_webhook(call: Call) -> Reply:
    """``POST /sync/gitlab/webhook/<tenant_id>``: a delivery of GitLab's (shared.sync.services.intake)."""
    return delivery(call, "GitLab", ingest_gitlab, lambda c: c.gitlab_intake())
