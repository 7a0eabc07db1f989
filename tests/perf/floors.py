"""The floors of the HTTP benchmarks: the least each kind of request needs, written plainly.

``webhook`` (notion-webhook's floor): the same HMAC check, the workspace's routing document read (once
per process, as notion-webhook keeps its routes), one Firestore create, one task create.
``runs`` (api's ``GET /runs``): the session's HMAC checked, the tenant read, its last runs queried.
``plan``: the run and its tenant read, the data source queried (notion-client), the model asked
(google-genai), the run written, a task created. ``step`` (execute-step): the run and its tenant read,
the page and its blocks read, as the step's tool reads a page (notion-client), the step written, a task
created. ``comment`` (notify): the tenant read, the delivery recorded, a comment created
(notion-client), the delivery marked. ``deployment`` (deploy's approved step): the run and its tenant
read, the deployment created (httpx), the step written, a task created.
A secret a request needs (the verification token, the session key, a tenant's Notion or Vercel token)
is read where our functions read it here, the secrets file, with Secret Manager's client library
loaded as where they read it in production (``_secret``; decision 0037).
Clients are built on first use and nothing else is: no settings, no ports, no validation beyond what
the work needs, no logging. ``FLOOR_PRELOAD`` (comma-separated modules, loaded with this module) makes
a floor that loads more at its start: the cold request's floors load the client libraries of their
target's ports, as the target does, and pydantic too for the "+ pydantic" floor (``cold_request``).
This module and those are loaded as ``main`` loads a target, with the cyclic garbage collector paused
and what loaded frozen (``main.paused_collector``): both sides of a ratio load alike (decision 0042).
"""

import base64
import hashlib
import hmac
import importlib
import json
import os
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from functions.main import paused_collector

with paused_collector():
    from flask import Request
    from google.cloud import firestore, tasks_v2

    for _module in filter(None, os.environ.get("FLOOR_PRELOAD", "").split(",")):
        importlib.import_module(_module)

if TYPE_CHECKING:
    import notion_client
    from google import genai


@cache
def _secrets() -> dict[str, str]:
    importlib.import_module("google.cloud.secretmanager")  # as our functions' secrets port loads it
    with open(os.environ["FLOOR_SECRETS_FILE"]) as secrets:
        return cast(dict[str, str], json.load(secrets))


def _secret(name: str) -> str:
    """The secret named by the setting ``name`` (read once per process, as a client caches it)."""
    return _secrets()[os.environ[name]]


def _notion_token() -> str:
    return str(json.loads(_secret("FLOOR_NOTION_SECRET"))["access_token"])


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
def _notion() -> "notion_client.Client":
    from notion_client import Client

    url = os.environ["FLOOR_NOTION_URL"]
    return Client(auth=_notion_token(), base_url=url, notion_version="2025-09-03")


@cache
def _model() -> "genai.Client":
    from google import genai
    from google.genai import types

    options = types.HttpOptions(base_url=os.environ["FLOOR_MODEL_URL"])
    project, region = os.environ["FLOOR_PROJECT"], os.environ["FLOOR_REGION"]
    return genai.Client(vertexai=True, project=project, location=region, http_options=options)


def _next_task(body: bytes) -> None:
    queue = os.environ["FLOOR_QUEUE"]
    task = tasks_v2.Task(http_request=tasks_v2.HttpRequest(url="http://127.0.0.1:9/", body=body[:300]))
    _tasks().create_task(parent=queue, task=task, timeout=10.0)


def _run_and_tenant(request: Request, runs: str = "runs") -> tuple[dict[str, Any], Any, Any]:
    """The task's body, and its run (in ``runs``) and tenant, both read: every task floor starts so."""
    body = json.loads(request.get_data())
    tenant = _db().collection("tenants").document(body["tenant_id"])
    run = tenant.collection(runs).document(body.get("run_id") or "none")
    run.get()
    tenant.get()
    return body, tenant, run


def plan(request: Request) -> tuple[str, int]:
    from google.genai import types

    body, _, run = _run_and_tenant(request, "floor_runs")
    rows = cast(
        dict[str, Any],
        _notion().data_sources.query(data_source_id=os.environ["FLOOR_DATA_SOURCE"], page_size=10),
    )
    prompt = json.dumps({"goal": body["goal"], "rows": rows["results"]})
    config = types.GenerateContentConfig(response_mime_type="application/json")
    reply = _model().models.generate_content(model="gemini-2.5-flash", contents=prompt, config=config)
    run.set({"plan": reply.text})
    _next_task(json.dumps({"run_id": body["run_id"], "step": 1}).encode())
    return json.dumps({"created": True}), 200


def step(request: Request) -> tuple[str, int]:
    body, tenant, _ = _run_and_tenant(request)
    page = cast(dict[str, Any], _notion().pages.retrieve(page_id=os.environ["FLOOR_PAGE"]))
    _notion().blocks.children.list(block_id=page["id"], page_size=100)
    tenant.collection("floor_runs").document(body["run_id"]).set({"page": page["id"]})
    _next_task(json.dumps({"run_id": body["run_id"], "step": 2}).encode())
    return json.dumps({"acted": True}), 200


def deployment(request: Request) -> tuple[str, int]:
    import httpx

    body, tenant, _ = _run_and_tenant(request)
    token = _secret("FLOOR_VERCEL_SECRET")
    git = {"type": "github", "org": "acme", "repo": "site", "ref": "main"}
    deploy = {"name": "site", "project": "site", "gitSource": git, "meta": {"key": body["run_id"]}}
    reply = httpx.post(
        os.environ["FLOOR_VERCEL_URL"] + "/v13/deployments",
        json=deploy,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10.0,
    )
    reply.raise_for_status()
    tenant.collection("floor_runs").document(body["run_id"]).set({"deployment": reply.json()["id"]})
    _next_task(json.dumps({"run_id": body["run_id"], "step": body["step"] + 1}).encode())
    return json.dumps({"acted": True}), 200


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


def runs(request: Request) -> tuple[str, int]:
    body, _, mac = request.headers.get("Authorization", "").removeprefix("Bearer ").partition(".")
    key = _secret("FLOOR_SESSION_SECRET").encode()
    expected = base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac.encode(), expected.rstrip(b"=")):
        return "", 401
    tenant_id = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["tenant_id"]
    tenant = _db().collection("tenants").document(tenant_id)
    if not tenant.get().exists:
        return "", 401
    query = tenant.collection("runs").order_by("created_at", direction="DESCENDING").limit(50)
    return json.dumps({"runs": [snap.to_dict() for snap in query.stream()]}, default=str), 200


def comment(request: Request) -> tuple[str, int]:
    body = json.loads(request.get_data())
    tenant = _db().collection("tenants").document(body["tenant_id"])
    tenant.get()
    record = tenant.collection("floor_notifications").document(body["notification_id"])
    record.create({"state": "sending"})
    text = [{"type": "text", "text": {"content": body["text"]}}]
    _notion().comments.create(parent={"page_id": body["data"]["page_id"]}, rich_text=text)
    record.update({"state": "delivered"})
    return json.dumps({"delivered": True}), 200
