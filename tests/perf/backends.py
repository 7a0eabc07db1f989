"""What the HTTP benchmarks run against: the Firestore emulator, the local Cloud Tasks emulator (every
queue held: tasks are created and kept, never dispatched), the Notion sandbox, the code sandbox (its
Vercel), a Gemini stand-in (``model_standin``), a connected bench tenant (the sandbox's demo workspace
token, Vercel connected; filters accepting every event), the secrets the functions read, and
functions-framework processes of our targets or of a floor, each in a process group of its own
(``local.processes``), run by ``python``: the runtime environment of ``make runtime-venv`` (the
requirements the archive ships, no dev tools) for the benchmarks, this interpreter for tests."""

import compileall
import hashlib
import hmac
import json
import os
import sys
import urllib.request
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from local.firestore_emulator import emulator_argv
from local.notion_sandbox.seed import seed_ids
from local.processes import ProcessGroup, free_port, http_answers
from shared.platform.config import PlatformSecret
from shared.workspace.domain.integrations import Integration, code_token_secret
from tests.perf.coldstart.model_standin import DEPLOY_PROJECT, DEPLOY_REPOSITORY, ModelStandIn
from tests.support.platform.google_credentials import service_account_file

ROOT = Path(__file__).resolve().parents[2]
FLOORS = Path(__file__).with_name("floors.py")

PROJECT = "notion-agent-bench"
REGION = "europe-west1"
TOKEN = "secret_bench_verification_token"
SESSION_KEY = "bench-session-signing-key-" + "k" * 16
WORKSPACE = "5e1f0000-0000-4000-8000-00000000bench"
SANDBOX = seed_ids("demo")
DATA_SOURCE = SANDBOX["tasks_data_source"]  # the sandbox's Tasks, which plans read
PAGE = SANDBOX["task_report"]  # the page the stand-in's plans read
NOTION_TOKEN = "ntn_sandbox_demo"
VERCEL_TOKEN = "vercel_bench_token"
WEBHOOK_SECRET, SESSION_SECRET = (
    PlatformSecret.NOTION_WEBHOOK_TOKEN.value,
    PlatformSecret.SESSION_SIGNING_KEY.value,
)
QUEUES = ("plan", "execute-step", "deploy", "notify", "floor")
# Where a machine may point OpenSSL, httpx and requests at its own CA file. A Cloud Function's
# environment sets none of them, so neither a function nor its floor sees this machine's.
MACHINE_TLS = frozenset({"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"})


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()


def event_body() -> bytes:
    """A Notion page.created event of the bench workspace, in a data source its filters accept."""
    event = {
        "id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat(),
        "workspace_id": WORKSPACE,
        "workspace_name": "Bench",
        "subscription_id": "sub",
        "integration_id": "int",
        "type": "page.created",
        "authors": [{"id": "person-1", "type": "person"}],
        "accessible_by": [],
        "attempt_number": 1,
        "api_version": "2025-09-03",
        "entity": {"id": str(uuid.uuid4()), "type": "page"},
        "data": {"parent": {"id": "db", "type": "database", "data_source_id": DATA_SOURCE}},
    }
    return json.dumps(event).encode()


def _post(url: str, body: Mapping[str, object]) -> urllib.request.Request:
    headers = {"Content-Type": "application/json"}
    return urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")


class Backends:
    def __init__(self, workdir: Path, python: str = sys.executable) -> None:
        self.workdir = workdir
        self.python = python
        self.group = ProcessGroup(workdir / "logs")
        self.firestore = f"127.0.0.1:{free_port()}"
        self.tasks = ""
        self.tasks_admin = ""
        self.tenant_id = ""
        self.session_epoch = ""
        self.notion = f"http://127.0.0.1:{free_port()}"
        self.code = f"http://127.0.0.1:{free_port()}"
        self.model: ModelStandIn | None = None
        self.base_env = {
            k: v for k, v in os.environ.items() if not k.startswith("NA_") and k not in MACHINE_TLS
        } | {"PYTHONPATH": str(ROOT)}

    def start(self) -> None:
        if not compileall.compile_file(FLOORS, quiet=1):  # compiled, as the targets' staged source is
            raise RuntimeError(f"{FLOORS} does not compile")
        env = self.base_env
        self.group.start("firestore", emulator_argv(int(self.firestore.split(":")[1])), env)
        tasks_argv = [sys.executable, "-m", "local.tasks_emulator", "--port", str(free_port())]
        self.group.start("tasks", [*tasks_argv, "--admin-port", str(free_port())], env)
        self.group.wait_until("tasks", self._tasks_ready)
        notion_argv = [sys.executable, "-m", "local.notion_sandbox", "--port", self.notion.rsplit(":", 1)[1]]
        self.group.start("notion", notion_argv, env)
        code_argv = [sys.executable, "-m", "local.code_sandbox", "--port", self.code.rsplit(":", 1)[1]]
        self.group.start("code", code_argv, env)
        self.model = ModelStandIn(PAGE)
        service_account_file(self.workdir / "credentials.json", self.model.url + "/token")
        self.group.wait_until("firestore", lambda: http_answers(f"http://{self.firestore}/"))
        self.group.wait_until("notion", lambda: http_answers(self.notion + "/v1/users/me"))
        self.group.wait_until("code", lambda: http_answers(self.code + "/_sandbox/health"))
        grant = {"token": VERCEL_TOKEN, "projects": [DEPLOY_PROJECT]}
        urllib.request.urlopen(_post(self.code + "/_sandbox/vercel/tokens", grant), timeout=5).close()
        self._queues()
        token_secret, vercel_secret = self._tenant()
        secrets = {WEBHOOK_SECRET: TOKEN, SESSION_SECRET: SESSION_KEY}
        secrets[token_secret] = json.dumps({"access_token": NOTION_TOKEN})
        secrets[vercel_secret] = VERCEL_TOKEN
        (self.workdir / "secrets.json").write_text(json.dumps(secrets))
        (self.workdir / "outbox").mkdir(exist_ok=True)

    def app_env(self) -> dict[str, str]:
        """Our functions' settings (docs/settings.md) against these backends."""
        return self.base_env | {
            "NA_GCP_PROJECT": PROJECT,
            "NA_REGION": REGION,
            "NA_FIRESTORE_EMULATOR_HOST": self.firestore,
            "NA_TASKS_EMULATOR_HOST": self.tasks,
            "NA_SECRETS_BACKEND": "local",
            "NA_LOCAL_SECRETS_FILE": str(self.workdir / "secrets.json"),
            "NA_OUTBOX_DIR": str(self.workdir / "outbox"),
            "NA_NOTIFIER_BACKEND": "live",  # as deployed: notify sends (a Notion comment here)
            "NA_NOTION_API_BASE_URL": self.notion,
            "NA_GITHUB_API_BASE_URL": self.code + "/github",
            "NA_VERCEL_API_BASE_URL": self.code + "/vercel",
            "NA_MODEL_BACKEND": "vertex",
            "NA_MODEL_BASE_URL": self.model.url if self.model else "",
            "GOOGLE_APPLICATION_CREDENTIALS": str(self.workdir / "credentials.json"),
            # A bench prepares hundreds of runs as one person: the api's pace per person is not measured here
            "NA_API_PERSON_PER_MIN": "100000",
            "NA_API_KEY_PER_MIN": "100000",
            "NA_API_BURST": "10000",
        }

    def floor_env(self) -> dict[str, str]:
        """The webhook floor's few settings (``tests/perf/floors.py``)."""
        return self.base_env | {
            "FLOOR_PROJECT": PROJECT,
            "FIRESTORE_EMULATOR_HOST": self.firestore,
            "FLOOR_TASKS_HOST": self.tasks,
            "FLOOR_TOKEN_SECRET": WEBHOOK_SECRET,
            "FLOOR_QUEUE": f"projects/{PROJECT}/locations/{REGION}/queues/floor",
            "FLOOR_SECRETS_FILE": str(self.workdir / "secrets.json"),
            "GOOGLE_APPLICATION_CREDENTIALS": str(self.workdir / "credentials.json"),
        }

    def function_argv(self, target: str, source: Path, port: int, python: str = "") -> list[str]:
        """functions-framework serving ``target`` of ``source`` on ``port``, run by ``python`` (by
        default this benchmark's runtime interpreter)."""
        argv = [
            python or self.python,
            "-m",
            "functions_framework",
            "--target",
            target,
            "--source",
            str(source),
        ]
        return [*argv, "--host", "127.0.0.1", "--port", str(port)]

    def _tasks_ready(self) -> bool:
        for line in (self.group.log_dir / "tasks.log").read_text(errors="replace").splitlines():
            if line.startswith("READY "):
                fields = dict(part.split("=", 1) for part in line.split()[1:])
                self.tasks, self.tasks_admin = fields["grpc"], fields["admin"]
                return True
        return False

    def _queues(self) -> None:
        import grpc
        from google.cloud import tasks_v2
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        self._tasks_client = client = tasks_v2.CloudTasksClient(
            transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(self.tasks))
        )
        parent = f"projects/{PROJECT}/locations/{REGION}"
        for queue in QUEUES:
            name = f"{parent}/queues/{queue}"
            client.create_queue(parent=parent, queue=tasks_v2.Queue(name=name))
            hold = urllib.request.Request(
                f"http://{self.tasks_admin}/queues/{name}:hold", data=b"{}", method="POST"
            )
            urllib.request.urlopen(hold, timeout=5).close()

    def purge_queues(self) -> None:
        """Drop the held tasks: the emulator's scheduler sorts all of them whenever one is created, so
        tens of thousands held would make every create slower as a benchmark goes on."""
        for queue in QUEUES:
            self._tasks_client.purge_queue(name=f"projects/{PROJECT}/locations/{REGION}/queues/{queue}")

    def _tenant(self) -> tuple[str, str]:
        """Save the bench tenant; the names of its Notion token's secret and of its Vercel token's."""
        os.environ["FIRESTORE_EMULATOR_HOST"] = self.firestore
        from google.cloud import firestore

        from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
        from shared.workspace.domain.connecting.connection import token_secret_name
        from shared.workspace.domain.settings import TenantSettings
        from shared.workspace.domain.tenants import Tenant, tenant_id_for

        tenant_id, now = tenant_id_for(WORKSPACE), datetime.now(UTC)
        tenant = Tenant(
            tenant_id=tenant_id,
            workspace_id=WORKSPACE,
            bot_id="bot-bench",
            token_secret=token_secret_name(tenant_id, "bench"),
            settings=TenantSettings(
                data_source_ids=[DATA_SOURCE],
                github_repositories=[DEPLOY_REPOSITORY],
                vercel_projects=[DEPLOY_PROJECT],
            ),
            integrations=(Integration.VERCEL,),
            session_epoch="bench-epoch",
            created_at=now,
            updated_at=now,
        )
        FirestoreTenantStore(firestore.Client(project=PROJECT)).save(tenant)
        self.tenant_id, self.session_epoch = tenant_id, tenant.session_epoch
        return tenant.token_secret, code_token_secret(tenant_id, Integration.VERCEL)

    def session(self) -> str:
        """A session of the bench tenant's owner (``Authorization: Bearer <it>`` on api)."""
        from shared.platform.domain import signed_tokens

        claims = {"purpose": "session", "tenant_id": self.tenant_id, "epoch": self.session_epoch}
        return signed_tokens.sign(claims, SESSION_KEY, 3600)

    def stop(self) -> None:
        if self.model is not None:
            self.model.stop()
        self.group.stop_all()
