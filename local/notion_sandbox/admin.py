"""/_sandbox/...: the JSON admin API tests and the demo use to set up, provoke and inspect."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Flask, Response, request

from local.notion_sandbox.errors import NotionError
from local.notion_sandbox.faults import Budget
from local.notion_sandbox.model import JSON, Workspace
from local.notion_sandbox.sandbox import Sandbox
from local.notion_sandbox.versions import CURRENT, IMPLEMENTED
from local.notion_sandbox.web import json_body, json_response


class AdminError(Exception):
    """A bad admin request: answered 400 (or 404) with {"error": message}."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _workspace(sandbox: Sandbox, ref: str) -> Workspace:
    ws = sandbox.find_workspace(ref)
    if ws is None:
        raise AdminError(f"unknown workspace {ref}", 404)
    return ws


def _workspace_info(sandbox: Sandbox, ws: Workspace) -> JSON:
    tokens = [t for t, g in sandbox.grants.items() if g.workspace_id == ws.id and g.refresh_token is None]
    return {
        "workspace_id": ws.id,
        "key": ws.key,
        "name": ws.name,
        "bot_id": ws.bot["id"],
        "access_token": tokens[0] if tokens else None,
        "ids": dict(ws.seeded),
    }


def create_workspace(sandbox: Sandbox, body: JSON) -> JSON:
    key = str(body.get("key") or "")
    if not key.isidentifier():
        raise AdminError("key must be a short identifier, e.g. 'acme'")
    seed = body.get("seed", "demo")
    if seed not in ("demo", "empty"):
        raise AdminError("seed must be 'demo' or 'empty'")
    ws, _ = sandbox.create_workspace(key, str(body.get("name") or key.capitalize()), seed=seed)
    return _workspace_info(sandbox, ws)


def act_as_user(sandbox: Sandbox, ws: Workspace, body: JSON) -> tuple[JSON, int]:
    """Run an API call as a person of the workspace (events carry a person author)."""
    user_id = body.get("user_id")
    if user_id is not None and user_id not in ws.people:
        raise AdminError(f"unknown person {user_id}")
    actor = ws.person(user_id)
    path = str(body.get("path", "")).removeprefix("/v1/")
    try:
        result = sandbox.call(
            ws,
            actor,
            str(body.get("method", "POST")).upper(),
            path,
            body=body.get("body") or {},
            args={str(k): str(v) for k, v in (body.get("query") or {}).items()},
        )
    except NotionError as error:
        return {"status": error.status, "response": error.body("sandbox-admin")}, 200
    return {"status": 200, "response": result}, 200


def create_idea(sandbox: Sandbox, ws: Workspace, body: JSON) -> tuple[JSON, int]:
    """Shortcut: a person creates a page in the Ideas data source with a few paragraphs."""
    if "ideas_data_source" not in ws.seeded:
        raise AdminError("workspace has no Ideas data source (seed it with 'demo')")
    lines = body.get("content", [])
    lines = [lines] if isinstance(lines, str) else lines
    properties: JSON = {"Name": {"title": [{"text": {"content": str(body.get("title", "Untitled idea"))}}]}}
    if body.get("status"):
        properties["Status"] = {"status": {"name": body["status"]}}
    page_body = {
        "parent": {"data_source_id": ws.seeded["ideas_data_source"]},
        "properties": properties,
        "children": [{"paragraph": {"rich_text": [{"text": {"content": line}}]}} for line in lines],
    }
    call = {"method": "POST", "path": "pages", "body": page_body, "user_id": body.get("user_id")}
    return act_as_user(sandbox, ws, call)


def set_oauth(sandbox: Sandbox, body: JSON) -> JSON:
    with sandbox.lock:
        client = sandbox.oauth
        for key in ("client_id", "client_secret"):
            if key in body:
                setattr(client, key, str(body[key]))
        if "redirect_uris" in body:
            client.redirect_uris = [str(u) for u in body["redirect_uris"]]
        if "deny" in body:
            client.deny = bool(body["deny"])
        if "workspace" in body:
            client.workspace_id = _workspace(sandbox, str(body["workspace"])).id
        if "user_id" in body:  # who authorizes next (None: the workspace's owner)
            client.user_id = None if body["user_id"] is None else str(body["user_id"])
        return asdict(client)


def set_limits(sandbox: Sandbox, body: JSON) -> JSON:
    if body.get("requests") is None:
        sandbox.faults.budget = None
        return {"budget": None}
    budget = Budget(int(body["requests"]), float(body.get("window_seconds", 1.0)), body.get("retry_after"))
    sandbox.faults.budget = budget
    return {"budget": asdict(budget)}


def set_faults(sandbox: Sandbox, body: JSON) -> JSON:
    faults = sandbox.faults
    if "latency_s" in body:
        latency = float(body["latency_s"])
        if not 0 <= latency <= 10:
            raise AdminError("latency_s must be from 0 to 10 seconds")
        faults.latency_s = latency
    if "overloaded" in body:
        faults.overloaded = bool(body["overloaded"])
        faults.overload_retry_after = body.get("retry_after")
    if "status" in body:
        status = int(body["status"])
        if status < 400:
            raise AdminError("status must be an error status (429, 500, 503, 529, ...)")
        faults.inject(status, int(body.get("count", 1)), body.get("retry_after"), body.get("token"))
    return faults_state(sandbox)


def faults_state(sandbox: Sandbox) -> JSON:
    faults = sandbox.faults
    budget = asdict(faults.budget) if faults.budget else None
    return {
        "overloaded": faults.overloaded,
        "latency_s": faults.latency_s,
        "budget": budget,
        "pending": faults.pending(),
    }


def set_webhook(sandbox: Sandbox, body: JSON) -> JSON:
    if not body.get("url"):
        raise AdminError("url is required")
    version = str(body.get("api_version") or CURRENT)
    if version not in IMPLEMENTED:
        raise AdminError(f"api_version must be one of {', '.join(IMPLEMENTED)}")
    sub = sandbox.webhooks.subscribe(
        str(body["url"]), body.get("verification_token"), sandbox.integration_id, version
    )
    return asdict(sub)


def webhook_state(sandbox: Sandbox) -> JSON:
    sub = sandbox.webhooks.subscription
    return {"subscription": asdict(sub) if sub else None, "switches": asdict(sandbox.webhooks.switches)}


def configure_switches(sandbox: Sandbox, body: JSON) -> JSON:
    try:
        return asdict(sandbox.webhooks.configure(body))
    except (TypeError, ValueError) as exc:
        raise AdminError(str(exc)) from exc


def flush(sandbox: Sandbox, body: JSON) -> JSON:
    done = sandbox.webhooks.flush(float(body.get("timeout", 5.0)), bool(body.get("force", True)))
    return {"flushed": done, "deliveries": len(sandbox.webhooks.deliveries)}


def requests_log(sandbox: Sandbox, since: int) -> list[JSON]:
    with sandbox.lock:
        return [dict(e) for e in sandbox.request_log if e["seq"] > since]


def reset(sandbox: Sandbox) -> JSON:
    sandbox.reset()
    return {"ok": True}


def clear_faults(sandbox: Sandbox) -> JSON:
    sandbox.faults.reset()
    return faults_state(sandbox)


def clear_requests(sandbox: Sandbox) -> JSON:
    with sandbox.lock:
        sandbox.request_log.clear()
    return {"ok": True}


def register_admin(app: Flask, sandbox: Sandbox) -> None:
    def route(rule: str, methods: list[str]) -> Any:
        def decorator(fn: Any) -> Any:
            def wrapped(**kwargs: str) -> Response:
                try:
                    result = fn(json_body(request) if request.method in ("POST", "PATCH") else {}, **kwargs)
                except AdminError as error:
                    return json_response({"error": str(error)}, error.status)
                except NotionError as error:
                    return json_response({"error": error.message}, 400)
                payload, status = result if isinstance(result, tuple) else (result, 200)
                return json_response(payload, status)

            app.add_url_rule(
                "/_sandbox" + rule, "sandbox" + rule + ",".join(methods), wrapped, methods=methods
            )
            return fn

        return decorator

    route("/health", ["GET"])(lambda _b: {"ok": True})
    route("/reset", ["POST"])(lambda _b: reset(sandbox))
    route("/workspaces", ["GET"])(
        lambda _b: [_workspace_info(sandbox, ws) for ws in list(sandbox.workspaces.values())]
    )
    route("/workspaces", ["POST"])(lambda b: create_workspace(sandbox, b))
    route("/workspaces/<ref>/state", ["GET"])(lambda _b, ref: sandbox.snapshot(_workspace(sandbox, ref)))
    route("/workspaces/<ref>/act", ["POST"])(lambda b, ref: act_as_user(sandbox, _workspace(sandbox, ref), b))
    route("/workspaces/<ref>/ideas", ["POST"])(
        lambda b, ref: create_idea(sandbox, _workspace(sandbox, ref), b)
    )
    route("/oauth", ["POST"])(lambda b: set_oauth(sandbox, b))
    route("/limits", ["POST"])(lambda b: set_limits(sandbox, b))
    route("/faults", ["GET"])(lambda _b: faults_state(sandbox))
    route("/faults", ["POST"])(lambda b: set_faults(sandbox, b))
    route("/faults", ["DELETE"])(lambda _b: clear_faults(sandbox))
    route("/webhook", ["GET"])(lambda _b: webhook_state(sandbox))
    route("/webhook", ["POST"])(lambda b: set_webhook(sandbox, b))
    route("/webhook/switches", ["POST"])(lambda b: configure_switches(sandbox, b))
    route("/webhook/flush", ["POST"])(lambda b: flush(sandbox, b))
    route("/webhook/deliveries", ["GET"])(lambda _b: list(sandbox.webhooks.deliveries))
    route("/requests", ["GET"])(lambda _b: requests_log(sandbox, int(request.args.get("since", 0))))
    route("/requests", ["DELETE"])(lambda _b: clear_requests(sandbox))
