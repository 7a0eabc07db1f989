"""The local stack: Firestore emulator, Cloud Tasks emulator and every function on functions-framework;
the task functions behind Cloud Run's front (local.cloud_run_front), which checks tokens as IAM does.

Each piece listens on a free loopback port chosen at start, so two stacks can run side by side; the
stack stops everything it started on exit, on Ctrl-C and on failure. Its working directory (logs,
local secrets, outbox) goes with it, unless something failed: then it stays for the logs, and the
stack says where. Run ``python -m local.stack`` to keep one up by hand.
"""

import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from local.code_sandbox import slack_oauth, stack_seed
from local.code_sandbox.sandbox import SEED
from local.code_sandbox.testing import Admin as CodeAdmin
from local.firestore_emulator import emulator_argv
from local.google_stack import GoogleParts
from local.hook_courier import HookCourier
from local.oauth_provider import CLIENT_ID as OAUTH_CLIENT_ID
from local.oauth_provider import CLIENT_SECRET as OAUTH_CLIENT_SECRET
from local.processes import ProcessGroup, free_port, http_answers
from local.scheduler import JOBS, LocalScheduler
from local.scheduler_screen import PATH as SCHEDULER_SCREEN
from local.scheduler_screen import app as scheduler_app
from local.wsgi_thread import ThreadedServer
from shared.platform.config import PlatformSecret
from shared.platform.topology import QUEUE_TARGETS, Queue, Target
from shared.sync.domain.connection import TOOL_NAMES, Tool

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "notion-agent-local"
REGION = "europe-west1"
TASKS_SERVICE_ACCOUNT = "tasks-invoker@notion-agent-local.iam.gserviceaccount.com"
SCHEDULER_SERVICE_ACCOUNT = "na-scheduler@notion-agent-local.iam.gserviceaccount.com"
MCP_TOKEN = "local-mcp-token"  # the MCP sandbox's header token (local/mcp_sandbox)
# roles/run.invoker on the task functions, as terraform/iam.tf grants it (tests/infra checks the two
# agree): the tasks account on every queue's target, the scheduler's on its jobs' targets.
SCHEDULER_TARGETS = frozenset({Target.PLAN, Target.EXECUTE_STEP})
INVOKERS: dict[Target, frozenset[str]] = {
    target: frozenset(
        {TASKS_SERVICE_ACCOUNT} | ({SCHEDULER_SERVICE_ACCOUNT} if target in SCHEDULER_TARGETS else set())
    )
    for target in QUEUE_TARGETS.values()
}
# What ``make stack`` and ``make demo`` run with that the suites' stacks leave off (a person's own NA_
# variables win over these): the workspace index, so Ask and the planner's context show memory.
PERSON_DEFAULTS = {"NA_WORKSPACE_INDEX": "true"}
# Each function's threads, its concurrency as terraform/functions.tf sets THREADS (tests/infra checks).
THREADS: dict[Target, int] = {
    Target.OAUTH_CALLBACK: 1,
    Target.NOTION_WEBHOOK: 40,
    Target.PLAN: 8,
    Target.EXECUTE_STEP: 8,
    Target.DEPLOY: 4,
    Target.NOTIFY: 20,
    Target.API: 40,
}
# Each task function's request timeout (terraform/functions.tf's timeout_seconds; tests/infra checks).
TIMEOUTS_S: dict[Target, float] = {
    Target.PLAN: 300,
    Target.EXECUTE_STEP: 600,
    Target.DEPLOY: 300,
    Target.NOTIFY: 60,
}


class LocalStack:
    """``notify="live"`` sends notifications as production does, to the sandboxes (comments in the
    Notion sandbox; Slack, Discord and mail in the code sandbox, ``GET /_sandbox/sent``); "outbox"
    writes them to files under ``outbox_dir`` (the demo's and most suites' choice)."""

    def __init__(
        self,
        workdir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        notify: str = "outbox",
        *,
        person_env: Mapping[str, str] | None = None,
        progress: Callable[[str], None] | None = None,
        code_seed: bool = False,
        scheduler: bool = False,
        google: bool = False,
    ) -> None:
        """``person_env``: the environment of a person's shell (``make stack``, ``make demo``): its
        ``NA_`` variables are kept (over :data:`PERSON_DEFAULTS`), except those that wire the stack's
        own pieces together (:meth:`env`'s). None (the suites): only the stack's and ``extra_env``.
        ``progress``: told a line as each part comes up (``make stack`` prints them). ``code_seed``:
        GitHub's ``acme/site`` runs its test on each push and Vercel's ``site`` serves production, as
        ``make stack`` has them (local/code_sandbox/stack_seed.py). ``scheduler``: Cloud Scheduler's
        jobs called as their cron says once the stack is up, until it stops (local/scheduler.py).
        ``google``: the Gmail and Calendar sandboxes and the Pub/Sub emulator (local/google_stack.py)."""
        self.code_seed = code_seed
        self.scheduler = scheduler
        self.jobs: LocalScheduler | None = None  # running once started, when ``scheduler``
        self.jobs_screen: ThreadedServer | None = None  # its Force run screen, served alongside
        self.person = None if person_env is None else chosen_by_person(person_env)
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="notion-agent-stack-"))
        self._owns_workdir = workdir is None  # a directory the caller gave stays the caller's
        self._keep_workdir = False
        self.extra_env = extra_env or {}
        # The project the functions name (the emulators take any): a real one when a real model is used.
        self.project = (self.person or {}).get("NA_GCP_PROJECT", PROJECT)
        self.project = self.extra_env.get("NA_GCP_PROJECT", self.project)
        self.notify = notify
        self.group = ProcessGroup(self.workdir / "logs")
        self.progress = progress or (lambda _line: None)
        self.group.on_ready = lambda name, took: self.progress(f"  up: {name} ({took:.1f} s)")
        self.ports = {t: free_port() for t in Target}  # each function's URL (a task function's front)
        # Where a task function's container listens, behind Cloud Run's front (local.cloud_run_front).
        self.container_ports = {t: free_port() if t in INVOKERS else self.ports[t] for t in Target}
        self.firestore_port = free_port()
        self.sandbox_port = free_port()
        self.code_sandbox_port = free_port()
        from local.linear_sandbox.app import LinearServer  # graphql-core: the stack's, not the functions'

        self.linear = LinearServer()  # Linear's GraphQL API, served from this process (docs/sync.md)
        from local.motion_sandbox import MotionServer

        self.motion = MotionServer()  # Motion's REST API and its rate limits, from this process too
        from local.gitlab_sandbox import GitLabServer

        self.gitlab = GitLabServer()  # GitLab's REST API and its OAuth app, from this process too
        from local.mcp_sandbox.server import McpSandbox

        self.mcp = McpSandbox(MCP_TOKEN)  # a remote MCP server (the SDK's FastMCP), from this process too
        self.mcp_oauth = McpSandbox(MCP_TOKEN, oauth=True)  # the same behind OAuth (decision 0220)
        self._linear_up = False
        self.courier = HookCourier([])  # started with the sandboxes: local.hook_courier
        self.smtp_port = free_port()  # the code sandbox's mail relay
        self.gateway_port = free_port()  # one origin: the console, /api, /oauth/callback (local.gateway)
        self.tasks_grpc = ""
        self.tasks_admin = ""
        # Gmail and Calendar's sandboxes, the Pub/Sub emulator and its push signer (local.google_stack).
        self.google = GoogleParts(self.project, self.console_url) if google else None
        self.secrets = {
            PlatformSecret.SESSION_SIGNING_KEY.value: secrets.token_urlsafe(32),
            PlatformSecret.NOTION_WEBHOOK_TOKEN.value: "secret_" + secrets.token_urlsafe(24),
            PlatformSecret.NOTION_CLIENT_ID.value: "local-client-" + secrets.token_hex(4),
            PlatformSecret.NOTION_CLIENT_SECRET.value: "secret_" + secrets.token_urlsafe(24),
            PlatformSecret.SMTP_PASSWORD.value: SEED["smtp_password"],
            # The sandboxes' OAuth app (local/oauth_provider.py): "Connect with Linear/GitLab" works here.
            PlatformSecret.LINEAR_CLIENT_SECRET.value: OAUTH_CLIENT_SECRET,
            PlatformSecret.GITLAB_CLIENT_SECRET.value: OAUTH_CLIENT_SECRET,
            # The code sandbox's Slack app (local/code_sandbox/slack_oauth.py): "Add to Slack" works here.
            PlatformSecret.SLACK_CLIENT_SECRET.value: slack_oauth.CLIENT_SECRET,
            PlatformSecret.SLACK_SIGNING_SECRET.value: slack_oauth.SIGNING_SECRET,
        } | (self.google.secrets() if self.google else {})

    def url(self, target: Target) -> str:
        return f"http://127.0.0.1:{self.ports[target]}"

    def container_url(self, target: Target) -> str:
        """The function itself, past Cloud Run's front: what only a misconfigured deployment exposes."""
        return f"http://127.0.0.1:{self.container_ports[target]}"

    def url_of_api(self) -> str:
        return self.url(Target.API)

    @property
    def console_url(self) -> str:
        """The console and the public paths on one origin, as the load balancer serves them."""
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def sandbox_screen_url(self) -> str:
        """The Notion sandbox's screen on the demo workspace (local/notion_sandbox/screen.py)."""
        return self.sandbox_url + "/screen/demo/"

    @property
    def scheduler_screen_url(self) -> str:
        """Cloud Scheduler's jobs and their Force run (local/scheduler_screen.py), once started with
        ``scheduler``."""
        assert self.jobs_screen is not None, "the stack was not started with scheduler=True"
        return self.jobs_screen.url + SCHEDULER_SCREEN

    @property
    def code_sandbox_url(self) -> str:
        """GitHub at ``/github``, Vercel at ``/vercel`` and Slack at ``/slack/api`` (local/code_sandbox)."""
        return f"http://127.0.0.1:{self.code_sandbox_port}"

    @property
    def secrets_file(self) -> Path:
        return self.workdir / "secrets.json"

    @property
    def outbox_dir(self) -> Path:
        return self.workdir / "outbox"

    def env(self) -> dict[str, str]:
        """The settings every function of this stack runs with (docs/settings.md)."""
        settings = (
            {
                "NA_PROFILE": "local",
                "NA_GCP_PROJECT": self.project,
                "NA_REGION": REGION,
                "NA_FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{self.firestore_port}",
                "NA_TASKS_EMULATOR_HOST": self.tasks_grpc,
                "NA_TASKS_SERVICE_ACCOUNT": TASKS_SERVICE_ACCOUNT,
                "NA_SECRETS_BACKEND": "local",
                "NA_LOCAL_SECRETS_FILE": str(self.secrets_file),
                "NA_OUTBOX_DIR": str(self.outbox_dir),
                "NA_NOTIFIER_BACKEND": self.notify,
                "NA_NOTION_API_BASE_URL": self.sandbox_url,
                "NA_NOTION_WEB_BASE_URL": self.sandbox_url,  # a page linked by its id opens on its screen
                "NA_GITHUB_API_BASE_URL": self.code_sandbox_url + "/github",
                "NA_VERCEL_API_BASE_URL": self.code_sandbox_url + "/vercel",
                "NA_SLACK_API_BASE_URL": self.code_sandbox_url + "/slack/api",
                "NA_SLACK_CLIENT_ID": slack_oauth.CLIENT_ID,  # its install page: the code sandbox's /slack/oauth
                "NA_DISCORD_API_BASE_URL": self.code_sandbox_url + "/discord/api/v10",
                "NA_LINEAR_API_BASE_URL": self.linear.url,  # the Linear sandbox, in this process
                "NA_MOTION_API_BASE_URL": self.motion.api_url,  # the Motion sandbox, in this process
                "NA_LINEAR_OAUTH_CLIENT_ID": OAUTH_CLIENT_ID,  # its consent page at the Linear sandbox
                "NA_LINEAR_OAUTH_URL": self.linear.url,
                "NA_GITLAB_OAUTH_CLIENT_ID": OAUTH_CLIENT_ID,  # the GitLab sandbox: its instance, in this process
                "NA_GITLAB_OAUTH_BASE_URL": self.gitlab.url,
                # The code sandbox's mail relay: loopback, so plain text is allowed (never in production).
                "NA_SMTP_HOST": "127.0.0.1",
                "NA_SMTP_PORT": str(self.smtp_port),
                "NA_SMTP_SECURITY": "none",
                "NA_SMTP_USERNAME": SEED["smtp_username"],
                "NA_SMTP_SENDER": SEED["smtp_sender"],
                "NA_WEBHOOK_COALESCE_S": "2",  # a page's changes still merge, and the demo waits 2 s at most
                "NA_SYNC_SCAN_INTERVAL_S": "10",  # the trackers' sync scans Notion every 10 s (60 s deployed)
                "NA_MCP_ALLOW_LOOPBACK": "true",  # the MCP sandbox on 127.0.0.1 may be connected (never deployed)
                "NA_HOOKS_ALLOW_LOOPBACK": "true",  # a webhook receiver on 127.0.0.1 may be registered (never deployed)
                **{f"NA_{t.name}_URL": self.url(t) for t in Target},
                # The console's origin (local.gateway) as in production: the callback under it, the
                # console at its root (the session cookie and the CSRF Origin check name it).
                "NA_OAUTH_CALLBACK_URL": self.console_url + "/oauth/callback",
                "NA_FRONTEND_URL": self.console_url + "/",
            }
            | (self.google.env() if self.google else {})
        )
        if self.person is not None:
            kept = {k: v for k, v in self.person.items() if k not in settings or k == "NA_GCP_PROJECT"}
            settings |= PERSON_DEFAULTS | kept
        return settings | self.extra_env

    def _child_env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("NA_")}
        # While queries are recorded (make pytest, tools/firestore_queries.py), the children record too.
        recording = [str(ROOT / "tools" / "query_recording")] if base.get("FIRESTORE_QUERY_LOG") else []
        path = os.pathsep.join([str(ROOT), *recording])
        return base | self.env() | {"PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}

    def start(self) -> "LocalStack":
        try:
            self._start()
        except BaseException:
            self.keep_workdir()
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.secrets_file.write_text(json.dumps(self.secrets))
        self.secrets_file.chmod(0o600)
        self.group.start("firestore", emulator_argv(self.firestore_port), self._child_env())
        if self.google:
            self.google.start_emulator(self.group, self._child_env())
        self._start_tasks_emulator()
        self._start_sandbox()
        self.group.start(
            "code-sandbox",
            [
                sys.executable,
                "-m",
                "local.code_sandbox",
                "--port",
                str(self.code_sandbox_port),
                "--smtp-port",
                str(self.smtp_port),
            ],
            self._child_env(),
        )
        self.group.wait_until("firestore", lambda: http_answers(f"http://127.0.0.1:{self.firestore_port}/"))
        self._create_queues()
        if self.google:
            self.google.start(self.group)
            self.progress(
                "  up: the Gmail and Calendar sandboxes, Pub/Sub's topic and push (in this process)"
            )
        if not self._linear_up:
            self.linear.__enter__()
            self.motion.__enter__()
            self.gitlab.__enter__()
            self.mcp.start()
            self.mcp_oauth.start()
            self._linear_up = True
            self.courier = HookCourier(
                [
                    ("linear", self.linear.sandbox.outbox, self.linear.sandbox.lock),
                    ("gitlab", self.gitlab.sandbox.outbox, self.gitlab.sandbox.lock),
                ]
            ).start()  # their webhooks delivered to the api as Linear and GitLab deliver them
            self.progress("  up: the Linear, Motion, GitLab and MCP sandboxes (in this process)")
        for target in Target:
            self._start_function(target)
        self._start_cloud_run_front()
        self.group.wait_until(
            "code-sandbox", partial(http_answers, self.code_sandbox_url + "/_sandbox/health")
        )
        if self.code_seed:
            stack_seed.seed(self.code_sandbox_url)
        self._start_gateway()
        for target in Target:
            self.group.wait_until(target.value, partial(http_answers, self.container_url(target) + "/"))
        self.group.wait_until("cloud-run-front", partial(http_answers, self.url(Target.PLAN) + "/"))
        # The gateway answers once it reaches api: a route that answers at once (a 401 without a
        # session), not the contract, which api makes on its first request (seconds of CPU; probes
        # that gave up after a second each asked for it again under a busy machine's load).
        self.group.wait_until("gateway", partial(http_answers, self.console_url + "/api/session"))
        # The sandbox's Slack delivers a person's mentions, DMs and /agent to the app's Request URLs, as
        # the manifest names them (deploy/slack-manifest.yaml): through the gateway's /api.
        CodeAdmin(self.code_sandbox_url).slack_app(
            self.console_url + "/api/slack/events", self.console_url + "/api/slack/commands"
        )
        self._subscribe_webhook()
        self.progress("  subscribed: notion-webhook to the Notion sandbox's events")
        if self.scheduler:
            self.jobs = LocalScheduler(self.url, SCHEDULER_SERVICE_ACCOUNT).start()
            self.jobs_screen = ThreadedServer(scheduler_app(self.jobs), "scheduler-screen").start()

    def _start_function(self, target: Target) -> None:
        argv = [
            sys.executable,
            "-m",
            "functions_framework",
            "--target",
            target.value,
            "--source",
            str(ROOT / "functions" / "main.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.container_ports[target]),
        ]
        threads = {"THREADS": str(THREADS[target])}  # one instance serving its concurrency, as deployed
        self.group.start(target.value, argv, self._child_env() | threads, cwd=self.workdir)

    def _start_cloud_run_front(self) -> None:
        """Cloud Run's front of the task functions: IAM's token check, the token forwarded stripped,
        the request timeout."""
        argv = [sys.executable, "-m", "local.cloud_run_front"]
        for target, invokers in INVOKERS.items():
            argv += [
                "--service",
                str(self.ports[target]),
                self.container_url(target),
                ",".join(sorted(invokers)),
                str(TIMEOUTS_S[target]),
            ]
        self.group.start("cloud-run-front", argv, self._child_env())

    def _start_gateway(self) -> None:
        """The load balancer's stand-in: the console (web/dist, built by `make web`) and the public
        paths on one origin."""
        argv = [
            sys.executable, "-m", "local.gateway", "--port", str(self.gateway_port),
            "--api", self.url(Target.API), "--oauth-callback", self.url(Target.OAUTH_CALLBACK),
            "--webhook", self.url(Target.NOTION_WEBHOOK), "--dist", str(ROOT / "web" / "dist"),
        ]  # fmt: skip
        self.group.start("gateway", argv, self._child_env())

    def kill_and_restart(self, target: Target) -> None:
        """kill -9 the function's whole process group (gunicorn's worker outlives its parent alone),
        then start it again on the same port and wait until it answers."""
        self.group.kill(target.value)
        self._start_function(target)
        self.group.wait_until(target.value, partial(http_answers, self.container_url(target) + "/"))

    def _start_tasks_emulator(self) -> None:
        argv = [
            sys.executable,
            "-m",
            "local.tasks_emulator",
            "--port",
            str(free_port()),
            "--admin-port",
            str(free_port()),
        ]
        self.group.start("tasks", argv, self._child_env())
        log = self.group.log_dir / "tasks.log"

        def ready() -> bool:
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("READY "):
                    fields = dict(part.split("=", 1) for part in line.split()[1:])
                    self.tasks_grpc, self.tasks_admin = fields["grpc"], fields["admin"]
                    return True
            return False

        self.group.wait_until("tasks", ready)

    def _start_sandbox(self) -> None:
        """The Notion sandbox, accepting this stack's OAuth client and its callback URL."""
        argv = [
            sys.executable, "-m", "local.notion_sandbox", "--port", str(self.sandbox_port),
            "--client-id", self.secrets[PlatformSecret.NOTION_CLIENT_ID.value],
            "--client-secret", self.secrets[PlatformSecret.NOTION_CLIENT_SECRET.value],
            "--redirect-uri", self.console_url + "/oauth/callback",
        ]  # fmt: skip
        self.group.start("notion-sandbox", argv, self._child_env())
        self.group.wait_until("notion-sandbox", partial(http_answers, self.sandbox_url + "/_sandbox/health"))
        self.progress(f"  the Notion sandbox's screen: {self.sandbox_screen_url}")

    def _subscribe_webhook(self) -> None:
        """Subscribe notion-webhook at the sandbox: it sends the verification handshake first."""
        body = {
            "url": self.url(Target.NOTION_WEBHOOK) + "/",
            "verification_token": self.secrets[PlatformSecret.NOTION_WEBHOOK_TOKEN.value],
        }
        self.sandbox_admin("POST", "/webhook", body)

    def sandbox_admin(self, method: str, path: str, body: object | None = None) -> Any:
        """Call the sandbox's admin API (``/_sandbox...``) and return its JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.sandbox_url + "/_sandbox" + path, data=data, method=method,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def _create_queues(self) -> None:
        import grpc
        from google.api_core import exceptions as gexc
        from google.cloud import tasks_v2
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        client = tasks_v2.CloudTasksClient(
            transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(self.tasks_grpc))
        )
        parent = f"projects/{self.project}/locations/{REGION}"
        for queue in Queue:
            config = tasks_v2.Queue(
                name=f"{parent}/queues/{queue.value}",
                retry_config=tasks_v2.RetryConfig(
                    max_attempts=20,
                    min_backoff={"seconds": 0, "nanos": 200_000_000},
                    max_backoff={"seconds": 10},
                ),
            )
            try:
                client.create_queue(parent=parent, queue=config)
            except gexc.AlreadyExists:
                continue

    def keep_workdir(self) -> None:
        """Keep the working directory after :meth:`stop` (its logs explain a failure)."""
        self._keep_workdir = True

    def stop(self) -> None:
        """Stop every process; then remove the working directory this stack created, or say where the
        logs were kept."""
        if self.jobs_screen is not None:
            self.jobs_screen.stop()
            self.jobs_screen = None
        if self.jobs is not None:
            self.jobs.stop()
            self.jobs = None
        if self.google:
            self.google.stop()
        self.group.stop_all()
        if self._linear_up:
            self.courier.stop()
            self.linear.__exit__(None, None, None)
            self.motion.__exit__(None, None, None)
            self.gitlab.__exit__(None, None, None)
            self.mcp.stop()
            self.mcp_oauth.stop()
            self._linear_up = False
        if not self._owns_workdir:
            return
        if self._keep_workdir:
            print(f"local stack: logs kept in {self.group.log_dir}", file=sys.stderr, flush=True)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None and not issubclass(exc_type, KeyboardInterrupt | SystemExit):
            self.keep_workdir()  # an error inside the block: its logs are the evidence
        self.stop()


def stop_on_signals() -> None:
    """Turn SIGTERM into a normal exit and SIGINT into KeyboardInterrupt, so ``with LocalStack()``
    blocks and atexit stop the children; SIGINT also when the parent ignored it, as a shell script's
    background job starts."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)


def by_hand(stack: LocalStack) -> dict[str, Any]:
    """What a person at ``make stack`` needs: where to look and what to paste (docs/local-stack.md)."""
    return {
        "console_url": stack.console_url + "/",
        "notion_sandbox_screen": stack.sandbox_screen_url,
        "notion_sandbox_admin": stack.sandbox_url + "/_sandbox",
        "notion_comments": stack.sandbox_url + "/_sandbox/workspaces/demo/state",
        "code_sandbox_admin": stack.code_sandbox_url + "/_sandbox",
        "sent_slack_discord_email": stack.code_sandbox_url + "/_sandbox/sent",
        "integration_tokens": {
            "github": SEED["github_token"],
            "vercel": SEED["vercel_token"],
            "slack": SEED["slack_token"],
            "slack_channel_id": SEED["slack_channel"],
            "discord": discord_webhook_url(),
        },
        "trackers": trackers(stack),
        "mcp_sandbox": {"url": stack.mcp.url, "token": MCP_TOKEN},  # POST /mcp/servers with these
        "mcp_oauth_sandbox": {"url": stack.mcp_oauth.url},  # POST /mcp/servers/oauth with this
    }


def trackers(stack: LocalStack) -> dict[Tool, dict[str, str]]:
    """The Linear, GitLab and Motion sandboxes: each one's screen (a person's edits there reach Notion),
    its address and what to paste under "Use a key instead" on the console's Integrations screen (or
    press "Connect with Linear/GitLab": their consent pages answer here)."""
    from local.gitlab_sandbox.app import PROJECT_PATH
    from local.gitlab_sandbox.app import TOKEN as GITLAB_TOKEN
    from local.linear_sandbox.app import KEY as LINEAR_KEY
    from local.linear_sandbox.app import TEAM_ID
    from local.motion_sandbox.app import KEY as MOTION_KEY
    from local.motion_sandbox.app import WORKSPACE_ID

    return {
        "linear": {
            "screen": stack.linear.url + "/_sandbox/screen",
            "graphql": stack.linear.url + "/graphql",
            "api_key": LINEAR_KEY,
            "team_id": TEAM_ID,
        },
        "gitlab": {
            "screen": stack.gitlab.url + "/_sandbox/screen",
            "address": stack.gitlab.url,
            "access_token": GITLAB_TOKEN,
            "project": PROJECT_PATH,
        },
        "motion": {
            "screen": stack.motion.url + "/_sandbox/screen",
            "api": stack.motion.api_url,
            "api_key": MOTION_KEY,
            "workspace_id": WORKSPACE_ID,
        },
    }


def tracker_lines(stack: LocalStack) -> list[str]:
    """What ``make stack`` says of each tracker's sandbox: its screen, then what to paste."""
    lines = []
    for tool, where in trackers(stack).items():
        pasted = ", ".join(f"{k} {v}" for k, v in where.items() if k != "screen")
        lines.append(f"{TOOL_NAMES[tool]}, by hand: its screen {where['screen']} ({pasted}).")
    return lines


def chosen_by_person(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings a person set in their shell (every ``NA_`` variable): ``make stack`` and ``make
    demo`` run with them, so e.g. ``NA_WORKSPACE_INDEX=false make stack`` turns the index off."""
    return {k: v for k, v in environ.items() if k.startswith("NA_")}


def discord_webhook_url() -> str:
    """The code sandbox's seeded Discord webhook, as Discord shows one (its host is never called)."""
    return f"https://discord.com/api/webhooks/{SEED['discord_webhook_id']}/{SEED['discord_webhook_token']}"


def memory_line(env: dict[str, str]) -> str:
    """What ``make stack`` says of the workspace index it runs with."""
    if env.get("NA_WORKSPACE_INDEX", "").lower() in {"1", "true", "yes", "on"}:
        return (
            "Workspace index: on (the pages and data sources you choose are indexed at once, then on each "
            "change; Ask answers from them). NA_WORKSPACE_INDEX=false make stack turns it off."
        )
    return "Workspace index: off (NA_WORKSPACE_INDEX=false was set); Ask has nothing to answer from."


def say(line: str) -> None:
    """One line of ``make stack``'s progress, printed at once."""
    print(line, flush=True)


def as_make_stack(environ: Mapping[str, str], progress: Callable[[str], None] | None = None) -> LocalStack:
    """The stack ``make stack`` starts (not yet started) for a shell whose environment is ``environ``:
    notifications live into the sandboxes, the person's NA_ variables over :data:`PERSON_DEFAULTS`, the
    code sandbox seeded, Cloud Scheduler's jobs called, Google's sandboxes and Pub/Sub up. The web suite's person flows run on the one it
    builds for a shell with no NA_ variable (tests/web/conftest.py)."""
    return LocalStack(
        notify="live",
        person_env=dict(environ),
        progress=progress,
        code_seed=True,
        scheduler=True,
        google=True,
    )


def main() -> None:
    stop_on_signals()
    say("Starting the local stack (Ctrl-C stops it): each part as it comes up.")
    with as_make_stack(os.environ, progress=say) as stack:
        described = {"workdir": str(stack.workdir), **stack.env(), **by_hand(stack)}
        print(json.dumps(described, indent=2), flush=True)
        print(f"Local stack is up: the console at {stack.console_url}/ . Ctrl-C stops it.", flush=True)
        print(memory_line(stack.env()), flush=True)  # after the line scripts wait for, not in the JSON
        print(f"Sent Slack, Discord and email: {stack.code_sandbox_url}/_sandbox/sent", flush=True)
        print(
            f"Say something to the app in Slack: {stack.code_sandbox_url}/_sandbox/slack/screen", flush=True
        )
        say(
            f"Notion, by hand: open {stack.sandbox_screen_url} in a browser (edit, comment, trash as any of 4 people)."
        )
        for line in tracker_lines(stack):
            say(line)
        say(
            f"MCP, by hand: in Integrations, connect the MCP sandbox at {stack.mcp.url} with the token "
            f"{MCP_TOKEN}, or the one behind OAuth at {stack.mcp_oauth.url} (docs/local-stack.md)."
        )
        if stack.google:
            say(
                f"Google: Gmail and Calendar sandboxes at {stack.google.url}, Pub/Sub's emulator at "
                f"{stack.google.emulator_host}; Integrations' Connect Google connects mail and calendars "
                "(local/google_connect.py: by hand, for the demo)."
            )
            say(f"Mail an agent's address, by hand: {stack.google.screens['gmail']}")
            say(f"Put a meeting in a connected calendar, by hand: {stack.google.screens['calendar']}")
        jobs = ", ".join(f"{job.path} every {job.every_minutes} min" for job in JOBS)
        print(f"Scheduler: the jobs Cloud Scheduler runs, here too ({jobs}).", flush=True)
        say(f"Cloud Scheduler's jobs (Force run): {stack.scheduler_screen_url}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
