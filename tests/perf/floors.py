"""The floor of ``make bench-webhook``: the least notion-webhook's request needs, written plainly.

``webhook``: the same HMAC check, the workspace's routing document read (once per process, as
notion-webhook keeps its routes), one Firestore create, one task create. The verification token is
read where our functions read it here, the secrets file, with Secret Manager's client library loaded
as where they read it in production (``_secret``; decision 0037). Clients are built on first use and
nothing else is: no settings, no ports, no validation beyond what the work needs, no logging. This
module is loaded as ``main`` loads a target, with the cyclic garbage collector paused and what
loaded frozen (``main.paused_collector``): both sides of a ratio load alike (decision 0042).
"""

import hashlib
import hmac
import importlib
import json
import os
from functools import cache
from typing import Any, cast

from functions.main import paused_collector

with paused_collector():
    from flask import Request
    from google.cloud import firestore, tasks_v2


@cache
def _secrets() -> dict[str, str]:
    importlib.import_module("google.cloud.secretmanager")  # as our functions' secrets port loads it
    with open(os.environ["FLOOR_SECRETS_FILE"]) as secrets:
        return cast(dict[str, str], json.load(secrets))


def _secret(name: str) -> str:
    """The secret named by the setting ``name`` (read once per process, as a client caches it)."""
    return _secrets()[os.environ[name]]


@cache
def _db() -> firestore.Client:
    return firestore.Client(project=os.environ["FLOOR_PROJECT"])


@cache
def _tasks() -> tasks_v2.CloudTasksClient:
    import grpc
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    channel = grpc.insecure_channel(os.environ["FLOOR_TASKS_HOST"])
    return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))


@cache
def _tenant_of(workspace_id: str) -> Any:
    """The document of the active tenant ``workspace_id`` routes to, None if there is none: its routing
    document read once per process, as notion-webhook keeps its routes (``routing_ttl_s``)."""
    route = _db().collection("workspaces").document(workspace_id).get()
    if not route.exists or route.get("status") != "active":
        return None
    return _db().collection("tenants").document(str(route.get("tenant_id")))


def webhook(request: Request) -> tuple[str, int]:
    body = request.get_data()
    token = _secret("FLOOR_TOKEN_SECRET").encode()
    expected = "sha256=" + hmac.new(token, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Notion-Signature", "")):
        return "", 401
    event = json.loads(body)
    tenant = _tenant_of(event["workspace_id"])
    if tenant is None:  # a floor that dropped the event would do less than notion-webhook: refused
        return "", 404
    tenant.collection("floor_events").document(event["id"]).create({"type": event["type"]})
    queue = os.environ["FLOOR_QUEUE"]
    name = f"{queue}/tasks/{hashlib.sha256(event['id'].encode()).hexdigest()}"
    task = tasks_v2.Task(
        name=name, http_request=tasks_v2.HttpRequest(url="http://127.0.0.1:9/", body=body[:300])
    )
    _tasks().create_task(parent=queue, task=task, timeout=10.0)
    return "", 200
