"""A small in-process stack for the connect and webhook tests: the real Firestore emulator, the local
Cloud Tasks emulator (queues held, so tasks stay visible), the Notion sandbox over HTTP, and the
functions on functions-framework's own app with the production Container built from settings."""

import base64
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
import pytest
from flask.testing import FlaskClient
from google.cloud import tasks_v2
from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

from functions._http import app
from local.notion_sandbox import SandboxServer
from local.notion_sandbox.testing import Admin
from local.tasks_emulator import TasksEmulator
from local.wsgi_thread import ThreadedServer
from shared import bootstrap
from shared.platform import logs
from shared.platform.config import PlatformSecret, Settings
from shared.platform.topology import Queue
from shared.runs.domain.notion_events import SIGNATURE_HEADER
from shared.runs.domain.plan_task import PlanTask
from shared.workspace.domain.connecting.connection import NONCE_COOKIE, NotionTokens, session_cookie
from tests.conftest import PROJECT
from tests.support.platform.fake_container import json_body
from tests.support.team.session_cookies import cookie_set

SOURCE = str(Path(__file__).resolve().parents[2] / "functions" / "main.py")
REGION = "europe-west1"
FRONTEND = "http://127.0.0.1:3999/app"
CALLBACK = "http://127.0.0.1:3998/callback"
VERIFICATION_TOKEN = "secret_webhook_verification_for_tests"


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` on a threaded server on 127.0.0.1 (what Notion's deliveries reach): its URL."""
    with ThreadedServer(app, "notion-stack") as server:
        yield server.url


@dataclass
class Stack:
    settings: Settings
    sandbox: SandboxServer
    admin: Admin
    tasks: TasksEmulator
    container: bootstrap.Container
    webhook_url: str
    db: Any
    deliveries_before: int = 0

    def subscribe(self) -> dict[str, Any]:
        """Point the sandbox's webhook subscription here (Notion sends the handshake at once)."""
        sub: dict[str, Any] = self.admin.post(
            "/webhook", {"url": self.webhook_url, "verification_token": VERIFICATION_TOKEN}
        )
        return sub

    def deliveries(self) -> list[dict[str, Any]]:
        """This test's webhook deliveries (the sandbox keeps them across resets)."""
        assert self.admin.post("/webhook/flush", {"timeout": 10})["flushed"]
        return list(self.admin.get("/webhook/deliveries"))[self.deliveries_before :]

    def client(self, target: str) -> FlaskClient:
        return app(target, self.container).test_client()

    # -- connecting ---------------------------------------------------------------------------
    def start_connect(self) -> tuple[str, str]:
        """``GET /connect`` on api: the authorize URL and the nonce cookie the browser keeps."""
        answer = self.client("api").get("/connect")
        assert answer.status_code == 200, answer.json
        cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith(NONCE_COOKIE + "="))
        assert "HttpOnly" in cookie and "Max-Age=600" in cookie
        return json_body(answer)["authorize_url"], cookie.split(";", 1)[0].split("=", 1)[1]

    def authorize(self, authorize_url: str, workspace: str = "demo") -> str:
        """The person approves (or denies) at Notion: the query string Notion redirects back with."""
        answer = httpx.get(authorize_url + f"&sandbox_workspace={workspace}", follow_redirects=False)
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith(CALLBACK)
        return urlsplit(location).query

    def callback(self, query: str, nonce: str | None) -> Any:
        client = self.client("oauth_callback")
        if nonce is not None:
            client.set_cookie(NONCE_COOKIE, nonce, domain="localhost")
        return client.get("/?" + query)

    def connect(self, workspace: str = "demo") -> dict[str, str]:
        """The whole flow; returns the outcome the frontend receives in the URL fragment, plus after a
        connect the ``session`` its cookie holds and the ``tenant_id`` ``GET /session`` names."""
        url, nonce = self.start_connect()
        answer = self.callback(self.authorize(url, workspace), nonce)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        outcome = fragment(answer.headers["Location"])
        if outcome["connected"] != "true":
            return outcome
        name = session_cookie(self.settings.frontend_url).name
        session = cookie_set(answer.headers.getlist("Set-Cookie"), name).value
        browser = self.client("api")
        browser.set_cookie(name, session)
        me = browser.get("/session")
        assert me.status_code == 200, me.get_data(as_text=True)
        return outcome | {"session": session, "tenant_id": json_body(me)["tenant_id"]}

    # -- inspecting -------------------------------------------------------------------------------
    def plan_tasks(self) -> list[PlanTask]:
        pending = [t for t in self.tasks.pending_tasks() if t["queue_id"] == Queue.PLAN.value]
        return [PlanTask.model_validate_json(base64.b64decode(t["body"])) for t in pending]

    def pending(self, queue: Queue) -> list[dict[str, Any]]:
        return [t for t in self.tasks.pending_tasks() if t["queue_id"] == queue.value]

    def event_ids(self, tenant_id: str) -> list[str]:
        return sorted(
            d.id for d in self.db.collection("tenants").document(tenant_id).collection("events").stream()
        )

    def all_event_records(self) -> list[str]:
        return sorted(d.reference.path for d in self.db.collection_group("events").stream())

    def secrets_file(self) -> dict[str, str]:
        path = Path(self.settings.local_secrets_file)
        return json.loads(path.read_text()) if path.exists() else {}

    def token_secrets(self, tenant_id: str) -> list[str]:
        """The names of the workspace's Notion token secrets, of every connection."""
        return sorted(name for name in self.secrets_file() if name.startswith(f"notion-token-{tenant_id}"))

    def notion_tokens(self, tenant_id: str) -> NotionTokens:
        """The tokens of the connection the tenant names."""
        tenant = self.container.workspace.tenants.get(tenant_id)
        assert tenant is not None
        return NotionTokens.load(self.secrets_file()[tenant.token_secret])


def fragment(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def signed_post(
    url: str, event: dict[str, Any], token: str = VERIFICATION_TOKEN, **kwargs: Any
) -> httpx.Response:
    from local.notion_sandbox import signature

    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(token, body)}
    return httpx.post(url, content=body, headers=headers, timeout=10, **kwargs)


def event_for(
    workspace_id: str, data_source_id: str, author: str = "person-1", **changes: Any
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        # An hour ago: its window long ended (the task is due at once), well within the age accepted.
        "timestamp": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "workspace_id": workspace_id,
        "workspace_name": "Demo workspace",
        "subscription_id": "sub-1",
        "integration_id": "int-1",
        "type": "page.created",
        "authors": [{"id": author, "type": "person"}],
        "attempt_number": 1,
        "api_version": "2025-09-03",
        "entity": {"id": str(uuid.uuid4()), "type": "page"},
        "data": {"parent": {"id": "db-1", "type": "database", "data_source_id": data_source_id}},
    } | changes


def hold_queues(emulator: TasksEmulator, project: str = PROJECT) -> None:
    """Every queue of the topology made in ``emulator`` for ``project`` and held: tasks stay visible."""
    client = tasks_v2.CloudTasksClient(
        transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(emulator.grpc_address))
    )
    parent = f"projects/{project}/locations/{REGION}"
    for queue in Queue:
        name = f"{parent}/queues/{queue.value}"
        client.create_queue(parent=parent, queue=tasks_v2.Queue(name=name))
        emulator.hold(name)


def reset_sandbox(url: str) -> Admin:
    """The admin API of the Notion sandbox at ``url``, its workspaces reset and its OAuth client
    redirecting to the stack's CALLBACK."""
    admin = Admin(url)
    admin.post("/reset")
    admin.post("/oauth", {"redirect_uris": [CALLBACK]})
    return admin


def stack_settings(
    db_host: str,
    tasks: TasksEmulator,
    sandbox_url: str,
    folder: Path,
    session_key: str = "session-key-for-tests-0123456789",
    **more: Any,
) -> Settings:
    """The settings of a stack over the emulators at ``db_host`` and ``tasks`` and the Notion sandbox at
    ``sandbox_url``; its local secrets file, in ``folder``, holds ``session_key`` and the sandbox's OAuth
    client. ``more``: other settings, and ``secrets`` (more secrets) and ``gcp_project``."""
    secrets_file = folder / "secrets.json"
    secrets_file.write_text(
        json.dumps(
            {
                PlatformSecret.SESSION_SIGNING_KEY.value: session_key,
                PlatformSecret.NOTION_CLIENT_ID.value: "sandbox-client-id",
                PlatformSecret.NOTION_CLIENT_SECRET.value: "sandbox-client-secret",
            }
            | more.pop("secrets", {})
        )
    )
    return Settings(
        gcp_project=more.pop("gcp_project", PROJECT),
        region=REGION,
        firestore_emulator_host=db_host,
        tasks_emulator_host=tasks.grpc_address,
        secrets_backend="local",
        local_secrets_file=str(secrets_file),
        notion_api_base_url=sandbox_url,
        oauth_callback_url=CALLBACK,
        frontend_url=FRONTEND,
        **more,
    )


@pytest.fixture(scope="module")
def running_tasks() -> Iterator[TasksEmulator]:
    with TasksEmulator(port=0, admin_port=None) as emulator:
        hold_queues(emulator)
        yield emulator


@pytest.fixture(scope="module")
def running_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def stack(
    firestore_db: Any,
    firestore_emulator: Any,
    running_tasks: TasksEmulator,
    running_sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Stack]:
    for task in running_tasks.pending_tasks():
        running_tasks.drop(task["name"], tombstone=False)
    admin = Admin(running_sandbox.url)
    admin.post("/reset")  # the webhook subscription, switches and deliveries survive a reset:
    defaults = {"aggregation_delay": 0.0, "delay": 0.0, "duplicates": 0, "reorder": False, "tamper_next": 0}
    admin.post(
        "/webhook/switches", defaults | {"max_attempts": 3, "retry_backoff": 0.05, "emit_bot_events": True}
    )
    admin.post("/webhook/flush", {"timeout": 5})
    before = len(admin.get("/webhook/deliveries"))
    admin.post("/oauth", {"redirect_uris": [CALLBACK]})
    settings = stack_settings(
        firestore_emulator.host,
        running_tasks,
        running_sandbox.url,
        tmp_path,
        webhook_max_body_bytes=64 * 1024,
        # the operator opened verification for the subscription the tests create (docs/deploy.md)
        webhook_verification_until=(datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    )
    monkeypatch.setattr(logs, "configure", lambda *a, **k: None)  # keep pytest's log capture
    container = bootstrap.Container(settings)
    with serve(app("notion_webhook", container)) as url:
        yield Stack(settings, running_sandbox, admin, running_tasks, container, url, firestore_db, before)
