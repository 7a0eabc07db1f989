"""The floor for ``make bench-webhook``: the least a webhook handler can do, written plainly.

The same HMAC check, one Firestore create and one Cloud Tasks create, with clients built on first use
and nothing else: no settings, no ports, no validation beyond what the work needs, no logging.
"""

import hashlib
import hmac
import json
import os
from typing import Any

from flask import Request
from google.cloud import firestore, tasks_v2

_clients: dict[str, Any] = {}


def _db() -> firestore.Client:
    if "db" not in _clients:
        _clients["db"] = firestore.Client(project=os.environ["FLOOR_PROJECT"])
    return _clients["db"]


def _tasks() -> tasks_v2.CloudTasksClient:
    if "tasks" not in _clients:
        import grpc
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        channel = grpc.insecure_channel(os.environ["FLOOR_TASKS_HOST"])
        _clients["tasks"] = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
    return _clients["tasks"]


def floor(request: Request) -> tuple[str, int]:
    body = request.get_data()
    token = os.environ["FLOOR_TOKEN"].encode()
    expected = "sha256=" + hmac.new(token, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Notion-Signature", "")):
        return "", 401
    event = json.loads(body)
    _db().collection("floor_events").document(event["id"]).create({"type": event["type"]})
    queue = os.environ["FLOOR_QUEUE"]
    name = f"{queue}/tasks/{hashlib.sha256(event['id'].encode()).hexdigest()}"
    task = {"name": name, "http_request": {"url": "http://127.0.0.1:9/", "body": body[:300]}}
    _tasks().create_task(parent=queue, task=task, timeout=10.0)
    return "", 200
