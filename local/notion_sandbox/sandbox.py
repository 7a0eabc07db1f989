"""The sandbox's whole state: workspaces, connections, OAuth, faults, webhooks, request log."""

from __future__ import annotations

import copy
import secrets
import threading
import time
from dataclasses import dataclass, field

from local.notion_sandbox.errors import unauthorized
from local.notion_sandbox.faults import Faults
from local.notion_sandbox.ids import now_iso, stable_id
from local.notion_sandbox.model import JSON, Actor, Grant, Workspace
from local.notion_sandbox.routes import Call, dispatch
from local.notion_sandbox.seed import new_workspace, seed_demo
from local.notion_sandbox.state_view import workspace_state
from local.notion_sandbox.webhooks import Dispatcher

DEMO_KEY = "demo"
MAX_LOG = 10_000


@dataclass
class OAuthClient:
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    redirect_uris: list[str] = field(default_factory=list)  # empty: any redirect_uri is accepted
    deny: bool = False
    workspace_id: str | None = None  # the workspace an authorization connects (default: demo)
    user_id: str | None = None  # the person of it who authorizes (default: the workspace's owner)


@dataclass
class AuthCode:
    workspace_id: str
    client_id: str
    redirect_uri: str | None
    used: bool = False
    user_id: str | None = None  # who authorized (None: the workspace's owner)


class Sandbox:
    """Thread-safe: every read and write of state happens under one lock."""

    def __init__(self, seed_demo_workspace: bool = True) -> None:
        self.lock = threading.RLock()
        self.integration_id = stable_id("integration", "notion-agent")
        self.workspaces: dict[str, Workspace] = {}
        self.grants: dict[str, Grant] = {}
        self.codes: dict[str, AuthCode] = {}
        self.oauth = OAuthClient()
        self.faults = Faults()
        self.webhooks = Dispatcher()
        self.request_log: list[JSON] = []
        if seed_demo_workspace:
            self.create_workspace(DEMO_KEY, "Demo workspace", seed="demo")

    # -- workspaces and connections ----------------------------------------------------------
    def create_workspace(self, key: str, name: str, seed: str = "demo") -> tuple[Workspace, str]:
        """Create (or replace) workspace `key`; returns it with its seeded access token."""
        ws = new_workspace(key, name)
        if seed == "demo":
            seed_demo(ws)
        token = f"ntn_sandbox_{key}"
        with self.lock:
            self.workspaces[ws.id] = ws
            self.grants[token] = Grant(token, ws.id, None)
        return ws, token

    def find_workspace(self, ref: str) -> Workspace | None:
        with self.lock:
            return self.workspaces.get(ref) or next(
                (w for w in self.workspaces.values() if w.key == ref), None
            )

    def issue_grant(self, workspace_id: str, user_id: str | None = None) -> Grant:
        grant = Grant(
            "ntn_" + secrets.token_hex(20), workspace_id, "nrt_" + secrets.token_hex(20), user_id=user_id
        )
        with self.lock:
            self.grants[grant.access_token] = grant
        return grant

    def workspace_for(self, token: str | None) -> Workspace:
        with self.lock:
            grant = self.grants.get(token or "")
            if grant is None or grant.revoked:
                raise unauthorized()
            return self.workspaces[grant.workspace_id]

    # -- the API -----------------------------------------------------------------------------
    def call(
        self, ws: Workspace, actor: Actor, method: str, path: str, *, body: JSON, args: dict[str, str]
    ) -> JSON:
        """Run one /v1 request against `ws` as `actor`; emits webhook events for its changes."""
        with self.lock:
            result, changes = dispatch(method, path, lambda params: Call(ws, actor, body, args, params))
            response = copy.deepcopy(result)
            self.webhooks.emit(ws, changes)
        return response

    def log(self, method: str, path: str, status: int, workspace_id: str | None, token: str | None) -> None:
        entry = {
            "method": method,
            "path": path,
            "status": status,
            "workspace_id": workspace_id,
            "token_suffix": (token or "")[-6:] or None,
            "at": now_iso(),
            "monotonic": time.monotonic(),
        }
        with self.lock:
            entry["seq"] = len(self.request_log) + 1
            self.request_log.append(entry)
            del self.request_log[:-MAX_LOG]

    # -- inspection --------------------------------------------------------------------------
    def snapshot(self, ws: Workspace) -> JSON:
        with self.lock:
            return workspace_state(ws)

    def reset(self) -> None:
        with self.lock:
            self.workspaces.clear()
            self.grants.clear()
            self.codes.clear()
            self.request_log.clear()
            self.oauth = OAuthClient()
            self.faults.reset()
        self.create_workspace(DEMO_KEY, "Demo workspace", seed="demo")
