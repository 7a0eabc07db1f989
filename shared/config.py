"""Typed settings, read from the environment (prefix ``NA_``); the local profile is the default.

Every field is listed with its meaning in README.md ("Settings"). Production values are set by
Terraform as environment variables of each function; nothing here reads a secret, only secret names.
Reading the environment is a few lines of our own on top of pydantic (which every function loads
anyway) rather than pydantic-settings, whose import alone cost each cold start ~55 ms.
"""

import json
import os
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import ConfigError

ENV_PREFIX = "NA_"


class Target(StrEnum):
    """The deployable functions; each value is the entry point in ``functions/main.py``."""

    OAUTH_CALLBACK = "oauth_callback"
    NOTION_WEBHOOK = "notion_webhook"
    PLAN = "plan"
    EXECUTE_STEP = "execute_step"
    DEPLOY = "deploy"
    NOTIFY = "notify"
    API = "api"


class Queue(StrEnum):
    """Cloud Tasks queues, by the function they deliver to. Values are the queue ids."""

    PLAN = "plan"
    EXECUTE_STEP = "execute-step"
    DEPLOY = "deploy"
    NOTIFY = "notify"


QUEUE_TARGETS: dict[Queue, Target] = {
    Queue.PLAN: Target.PLAN,
    Queue.EXECUTE_STEP: Target.EXECUTE_STEP,
    Queue.DEPLOY: Target.DEPLOY,
    Queue.NOTIFY: Target.NOTIFY,
}


class PlatformSecret(StrEnum):
    """Platform secrets in Secret Manager (per-tenant token secrets are created at run time)."""

    NOTION_CLIENT_ID = "notion-client-id"
    NOTION_CLIENT_SECRET = "notion-client-secret"
    NOTION_WEBHOOK_TOKEN = "notion-webhook-verification-token"
    SESSION_SIGNING_KEY = "session-signing-key"


class Settings(BaseModel):
    """Everything that differs between the local stack and a deployment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: Literal["local", "production"] = Field("local", description="Which adapters to build.")
    gcp_project: str = Field("notion-agent-local", description="Google Cloud project id.")
    region: str = Field("europe-west1", description="Region of the functions and queues.")
    firestore_database: str = Field("(default)", description="Firestore database id.")
    firestore_emulator_host: str = Field(
        "", description="host:port of the Firestore emulator; empty in production."
    )
    tasks_emulator_host: str = Field(
        "", description="host:port of the local Cloud Tasks emulator; empty in production."
    )
    tasks_service_account: str = Field(
        "", description="Service account whose OIDC token Cloud Tasks sends to the target functions."
    )
    plan_url: str = Field("http://127.0.0.1:8081", description="HTTPS URL of the plan function.")
    execute_step_url: str = Field("http://127.0.0.1:8082", description="URL of execute-step.")
    deploy_url: str = Field("http://127.0.0.1:8083", description="URL of the deploy function.")
    notify_url: str = Field("http://127.0.0.1:8084", description="URL of the notify function.")
    api_url: str = Field("http://127.0.0.1:8085", description="Public URL of the api function.")
    secrets_backend: Literal["local", "secret-manager"] = Field(
        "local", description="local: a JSON file of secrets; secret-manager: Google Secret Manager."
    )
    local_secrets_file: str = Field(
        ".local/secrets.json", description="The local secrets file (local backend only)."
    )
    secret_cache_ttl_s: float = Field(300.0, description="How long a secret value is cached per instance.")
    model_backend: Literal["offline", "vertex"] = Field(
        "offline", description="offline: deterministic local model; vertex: Gemini on Vertex AI."
    )
    model_location: str = Field("global", description="Vertex AI location for model calls.")
    model_plan: str = Field("gemini-2.5-flash", description="Model for planning and classification.")
    model_draft: str = Field("gemini-2.5-pro", description="Model for drafting text and code.")
    model_base_url: str = Field(
        "", description="Vertex AI endpoint override (a loopback stub in tests; empty: Google's default)."
    )
    model_prices: dict[str, tuple[float, float]] = Field(
        {"gemini-2.5-flash": (0.30, 2.50), "gemini-2.5-pro": (1.25, 10.00), "offline": (0.0, 0.0)},
        description="USD per million (input, output) tokens by model name; JSON in the environment.",
    )
    run_max_steps: int = Field(50, ge=2, description="Most steps a run may have (plan plus execution).")
    run_loop_limit: int = Field(
        3, ge=2, description="The same tool with the same arguments this many times in a row → ask a human."
    )
    run_max_consecutive_errors: int = Field(
        3, ge=1, description="Model-fixable errors in a row before the run asks a human."
    )
    plan_max_reasks: int = Field(2, ge=0, description="Re-asks of the model after an invalid plan.")
    step_lease_s: float = Field(
        120.0, gt=0, description="How long a step's recorded intent excludes other deliveries (> any effect)."
    )
    step_retry_inline_s: float = Field(
        10.0,
        description="A transient error with a longer Retry-After is recorded and the step re-enqueued "
        "with that delay; shorter ones are retried by the queue's own backoff (HTTP 503).",
    )
    sweep_stall_s: float = Field(600.0, description="A running run not updated for this long is re-enqueued.")
    schedule_page_size: int = Field(
        100,
        ge=1,
        le=1000,
        description="Active tenants read per daily-planning call (POST /schedule on plan); a full page "
        "enqueues a continuation for the next one, so one call reads and enqueues at most this many.",
    )
    default_run_budget_usd: float = Field(1.0, ge=0, description="Run budget when a tenant has none.")
    default_day_budget_usd: float = Field(5.0, ge=0, description="Daily tenant budget when none is set.")
    default_month_budget_usd: float = Field(50.0, ge=0, description="Monthly tenant budget when none is set.")
    spend_cache_ttl_s: float = Field(
        60.0, ge=0, description="How long an instance reuses a tenant's summed spend before re-reading it."
    )
    approval_link_ttl_s: float = Field(3 * 24 * 3600.0, description="Lifetime of approve/reject links.")
    notifier_backend: Literal["outbox", "live"] = Field(
        "outbox", description="outbox: write notifications to a local directory; live: send them."
    )
    outbox_dir: str = Field(".local/outbox", description="Directory of the local outbox.")
    notion_api_base_url: str = Field("https://api.notion.com", description="Base URL of Notion's API.")
    frontend_url: str = Field("http://127.0.0.1:3000", description="Where the browser is sent after connect.")
    oauth_callback_url: str = Field(
        "http://127.0.0.1:8080",
        description="Public URL of the oauth-callback function: the redirect_uri registered with Notion.",
    )
    connect_cookie_samesite: Literal["Lax", "Strict", "None"] = Field(
        "Lax",
        description="SameSite of the connect nonce cookie; None (sent only over HTTPS) when the frontend "
        "calls GET /connect cross-site.",
    )
    notion_timeout_s: float = Field(20.0, description="Timeout of one Notion API request.")
    notion_max_inline_wait_s: float = Field(
        1.0,
        description="Longest Retry-After the Notion adapter waits inside a function (once); a longer "
        "wait is raised as TransientError(retry_after_s) for a task scheduled later.",
    )
    webhook_max_body_bytes: int = Field(
        256 * 1024, description="Largest notion-webhook body accepted (larger: 413, never read whole)."
    )
    tenant_routing_cache_s: float = Field(
        5.0,
        description="How long an instance reuses a workspace → tenant lookup on the webhook path; a "
        "revoke or filter change made elsewhere takes effect within this time (0: always read).",
    )
    webhook_event_ttl_s: float = Field(
        7 * 24 * 3600.0, description="How long a webhook event id is remembered for de-duplication."
    )
    log_level: str = Field("INFO", description="Minimum log severity.")

    def target_url(self, target: Target) -> str:
        """The URL at which a task-triggered function receives its tasks."""
        urls = {
            Target.PLAN: self.plan_url,
            Target.EXECUTE_STEP: self.execute_step_url,
            Target.DEPLOY: self.deploy_url,
            Target.NOTIFY: self.notify_url,
            Target.API: self.api_url,
        }
        return urls[target]

    def queue_path(self, queue: Queue) -> str:
        return f"projects/{self.gcp_project}/locations/{self.region}/queues/{queue.value}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        """Settings from ``NA_<FIELD>`` variables; structured fields (dicts, lists) are JSON.

        A bad value is a ConfigError naming the variable and the problem, never echoing the value.
        """
        values: dict[str, object] = {}
        for name, field in cls.model_fields.items():
            raw = environ.get(f"{ENV_PREFIX}{name.upper()}")
            if raw is None:
                continue
            if get_origin(field.annotation) in (dict, list, tuple):
                try:
                    values[name] = json.loads(raw)
                except ValueError as exc:
                    raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be JSON") from exc
            else:
                values[name] = raw
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{ENV_PREFIX}{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors(include_input=False)
            )
            raise ConfigError(f"invalid settings: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this instance, read once on first use (never at import time)."""
    return Settings.from_env(os.environ)
