"""The composition root: builds the adapters from settings, and the bundles of them the use cases take
(the engine's Deps, webhook intake, the connect flow, the notifier), lazily, once per instance.
Entry points use the instance's :func:`root`; tests build a :class:`Container` from their own adapters.

:func:`preload`, called by an entry point at import, imports the client libraries of the ports it
uses (and our adapter modules, or only those of ``adapters=``) without building anything. A cold
start pays for the libraries its function needs and nothing else.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Literal, cast

from shared import logs
from shared.config import Settings, get_settings
from shared.errors import ConfigError

if TYPE_CHECKING:
    from shared.domain.integrations import Integration
    from shared.ports import (
        AgentStore,
        ApiKeyStore,
        AuditLog,
        Chat,
        ChatWebhooks,
        CodeHost,
        DeadLetterStore,
        Deployer,
        DoctorChecks,
        Embedder,
        InviteStore,
        Mailer,
        Model,
        NotificationChannel,
        NotificationLog,
        Notifier,
        NotionClient,
        NotionOAuth,
        OAuthStateStore,
        PaceCounters,
        PassageStore,
        RunStore,
        SecretStore,
        TaskQueue,
        TenantNotion,
        TenantStore,
        WebhookEventLedger,
    )
    from shared.services.api_limits import ApiLimits
    from shared.services.connect import Connecting
    from shared.services.deps import Deps
    from shared.services.notion_access import NotionAccess
    from shared.services.webhooks import Intake

Port = Literal[
    "store",
    "queue",
    "secrets",
    "notifier",
    "notifications",
    "tenants",
    "oauth_states",
    "invites",
    "paces",
    "webhook_events",
    "dead_letters",
    "api_keys",
    "agents",
    "audit",
    "notion",
    "notion_oauth",
    "model",
    "code_host",
    "deployer",
    "chat",
    "webhooks",
    "mailer",
    "embedder",
    "passages",
]

# The production adapter module of each port: what a deployed function imports at cold start.
_MODULES: dict[Port, str] = {
    "store": "shared.adapters.firestore_store",
    "queue": "shared.adapters.cloud_tasks",
    "secrets": "shared.adapters.secret_manager",
    "notifier": "shared.services.delivery",  # a use case over the channels' ports, not an adapter
    "notifications": "shared.adapters.firestore_notifications",
    "tenants": "shared.adapters.firestore_tenants",
    "oauth_states": "shared.adapters.firestore_tenants",
    "invites": "shared.adapters.firestore_tenants",
    "paces": "shared.adapters.firestore_paces",
    "webhook_events": "shared.adapters.firestore_tenants",
    "dead_letters": "shared.adapters.firestore_dead_letters",
    "api_keys": "shared.adapters.firestore_api_keys",
    "agents": "shared.adapters.firestore_agents",
    "audit": "shared.adapters.firestore_audit",
    "notion": "shared.adapters.notion",
    "notion_oauth": "shared.adapters.notion",
    "model": "shared.adapters.vertex_model",
    "code_host": "shared.adapters.github",
    "deployer": "shared.adapters.vercel",
    "chat": "shared.adapters.slack",
    "webhooks": "shared.adapters.discord",
    "mailer": "shared.adapters.smtp",
    "embedder": "shared.adapters.vertex_embedder",
    "passages": "shared.adapters.firestore_passages",
}


# The client libraries each port's production adapter imports (tests/unit/test_import_hygiene.py
# checks them against the adapters' imports): what a cold start of a function using the port loads.
PORTS = frozenset(_MODULES)  # every port a Container builds or is given


CLIENT_LIBRARIES: dict[Port, tuple[str, ...]] = {
    "store": ("google.cloud.firestore",),
    "tenants": ("google.cloud.firestore",),
    "oauth_states": ("google.cloud.firestore",),
    "invites": ("google.cloud.firestore",),
    "paces": ("google.cloud.firestore",),
    "webhook_events": ("google.cloud.firestore",),
    "dead_letters": ("google.cloud.firestore",),
    "api_keys": ("google.cloud.firestore",),
    "agents": ("google.cloud.firestore",),
    "audit": ("google.cloud.firestore",),
    "queue": ("google.cloud.tasks_v2",),
    "secrets": ("google.cloud.secretmanager",),
    "notifier": (),
    "notifications": ("google.cloud.firestore",),
    "notion": ("notion_client", "httpx"),  # notion-client is built on httpx
    "notion_oauth": ("notion_client", "httpx"),
    "model": ("google.genai", "httpx"),  # so is google-genai
    "code_host": ("httpx",),
    "deployer": ("httpx",),
    "chat": ("slack_sdk.web",),  # Slack's Web API, through slack_sdk (on urllib)
    "webhooks": ("httpx",),  # Discord's incoming webhooks, on httpx
    "mailer": ("smtplib",),  # the standard library's SMTP client
    "embedder": ("google.genai", "httpx"),  # Vertex AI's embeddings, through google-genai too
    "passages": ("google.cloud.firestore",),
}


def preload(*ports: Port, adapters: tuple[Port, ...] | None = None) -> None:
    """Import the client libraries of ``ports`` and the adapter modules of ``adapters`` (default: all
    of ``ports``); no client is built, no setting is read."""
    for port in ports:
        for library in CLIENT_LIBRARIES[port]:
            importlib.import_module(library)
    for port in ports if adapters is None else adapters:
        if port not in ports:
            raise ValueError(f"preload: adapter {port!r} is not among the ports {ports}")
        importlib.import_module(_MODULES[port])


class Container:
    """The adapters of one instance and the bundles built from them. ``adapters`` (by port name)
    replace the ones the settings would build: tests pass fakes or the local stack's."""

    def __init__(self, settings: Settings, **adapters: object) -> None:
        unknown = set(adapters) - set(_MODULES)
        if unknown:
            raise ValueError(f"Container: no such port {sorted(unknown)}")
        self.settings = settings
        self._built: dict[str, object] = dict(adapters)
        self._lock = threading.RLock()  # re-entrant: a builder may use another built object

    def _once[T](self, key: str, build: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._built:
                self._built[key] = build()
            return cast(T, self._built[key])

    @property
    def store(self) -> RunStore:
        return self._once("store", self._build_store)

    @property
    def queue(self) -> TaskQueue:
        return self._once("queue", self._build_queue)

    @property
    def secrets(self) -> SecretStore:
        return self._once("secrets", self._build_secrets)

    @property
    def notifier(self) -> Notifier:
        return self._once("notifier", self._build_notifier)

    @property
    def notifications(self) -> NotificationLog:
        return self._once("notifications", self._build_notifications)

    @property
    def tenants(self) -> TenantStore:
        return self._once("tenants", self._build_tenants)

    def request_tenants(self) -> TenantStore:
        """A new tenant store for one request: each tenant read once, however often it is asked for."""
        from shared.adapters.cached_tenants import ReadOnce

        return ReadOnce(self.tenants)

    @property
    def oauth_states(self) -> OAuthStateStore:
        return self._once("oauth_states", self._build_oauth_states)

    @property
    def invites(self) -> InviteStore:
        return self._once("invites", self._build_invites)

    @property
    def webhook_events(self) -> WebhookEventLedger:
        return self._once("webhook_events", self._build_webhook_events)

    @property
    def paces(self) -> PaceCounters:
        return self._once("paces", self._build_paces)

    @property
    def api_limits(self) -> ApiLimits:
        """The api's pace per person and per key, counted in Firestore (shared.services.api_limits)."""
        from shared.services.api_limits import ApiLimits

        return self._once("api_limits", lambda: ApiLimits(self.settings, self.paces))

    @property
    def audit(self) -> AuditLog:
        return self._once("audit", self._build_audit)

    @property
    def dead_letters(self) -> DeadLetterStore:
        return self._once("dead_letters", self._build_dead_letters)

    @property
    def api_keys(self) -> ApiKeyStore:
        return self._once("api_keys", self._build_api_keys)

    @property
    def agents(self) -> AgentStore:
        return self._once("agents", self._build_agents)

    @property
    def notion(self) -> NotionClient:
        return self._once("notion", self._build_notion)

    @property
    def notion_oauth(self) -> NotionOAuth:
        return self._once("notion_oauth", self._build_notion_oauth)

    @property
    def model(self) -> Model:
        return self._once("model", self._build_model)

    @property
    def embedder(self) -> Embedder:
        return self._once("embedder", self._build_embedder)

    @property
    def passages(self) -> PassageStore:
        return self._once("passages", self._build_passages)

    @property
    def code_host(self) -> CodeHost:
        return self._once("code_host", self._build_code_host)

    @property
    def deployer(self) -> Deployer:
        return self._once("deployer", self._build_deployer)

    @property
    def chat(self) -> Chat:
        return self._once("chat", self._build_chat)

    @property
    def webhooks(self) -> ChatWebhooks:
        return self._once("webhooks", self._build_webhooks)

    @property
    def doctor_checks(self) -> DoctorChecks:
        """``make doctor``'s records (shared.services.doctor): not a port a cold start preloads."""

        def build() -> DoctorChecks:
            from shared.adapters.firestore_doctor import FirestoreDoctorChecks

            return FirestoreDoctorChecks(self._firestore())

        return self._once("doctor_checks", build)

    @property
    def notion_access(self) -> NotionAccess:
        """Notion calls with a tenant's current token (refresh on 401): see shared.services.notion_access."""
        from shared.services.notion_access import NotionAccess

        return NotionAccess(self.tenants, self.secrets, self.notion_oauth, self.queue)

    # The bundles of adapters the use cases take (built here, never in entry points).

    def engine(self, with_model: bool = True) -> Deps:
        """The engine's dependencies (plan, execute-step, the api's run routes, the sweeper), built
        once: the tenant read through :class:`CachedTenants`, Notion bound per tenant to its current
        token on first use (a step that does not use Notion reads no token)."""
        return self._once(f"engine:{with_model}", lambda: self._build_engine(with_model))

    def deploy_engine(self) -> Deps:
        """The engine's dependencies for the deploy function: GitHub and Vercel, no Notion (its steps
        never touch a workspace, so it holds no Notion token)."""
        return self._once("deploy_engine", self._build_deploy_engine)

    def intake(self) -> Intake:
        """What webhook intake uses, with the settings as they are now."""
        from shared.services.webhooks import Intake

        s = self.settings
        return Intake(
            self.tenants,
            self.webhook_events,
            self.queue,
            self.secrets,
            s.webhook_event_ttl_s,
            s.webhook_coalesce_s,
            s.verification_open_until(),
            index_pages=s.workspace_index,
        )

    def data_source_schemas(self, tenant_id: str) -> Callable[[str], dict[str, Any]]:
        """data source id → its ``properties`` as Notion returns them, read with ``tenant_id``'s token
        (the token is read at the first call only): settings check trigger rules against it."""
        notion = self.notion_access.for_tenant(self.notion, tenant_id)
        return lambda source: dict(notion.retrieve_data_source(source).get("properties") or {})

    def connecting(self) -> Connecting:
        """What the connect flow (connect, OAuth callback, disconnect) uses."""
        from shared.services.connect import Connecting

        invites = self.invites if self.settings.signup_policy == "invite" else None
        return Connecting(
            self.settings,
            self.secrets,
            self.oauth_states,
            self.tenants,
            self.notion_oauth,
            invites,
            forget_index=lambda tenant_id: self.passages.delete_all(tenant_id),  # noqa: PLW0108 (built when used)
        )

    def stop_held_runs(self) -> Callable[[str, str], int]:
        """``(tenant_id, reason)`` → how many held runs were cancelled (``humans.cancel_held``), as
        a disconnect needs it."""
        from shared.services.humans import cancel_held

        engine = self.engine(with_model=False)
        return lambda tenant_id, reason: cancel_held(engine, tenant_id, reason)

    def account_checker(self, integration: Integration) -> Callable[[str], str]:
        """The "who is this token" call of ``integration``'s adapter (only that adapter is built)."""
        from shared.domain.integrations import Integration

        if integration == Integration.GITHUB:
            return self.code_host.account
        if integration == Integration.VERCEL:
            return self.deployer.account
        if integration == Integration.DISCORD:
            return self.webhooks.account
        return self.chat.account

    def tenant_notion(self, tenant_id: str) -> TenantNotion:
        """Notion with ``tenant_id``'s current token (refreshed once on a 401), for the api's routes
        that read or change the workspace (the agent's home)."""
        return self.notion_access.for_tenant(self.notion, tenant_id)

    def _build_engine(self, with_model: bool) -> Deps:
        from shared.services.notion_access import NotionAccess

        tenants = self._cached_tenants()

        def access() -> NotionAccess:
            return self._once(
                "engine_notion", lambda: NotionAccess(tenants, self.secrets, self.notion_oauth, self.queue)
            )

        return self._deps(
            tenants,
            model_source=(lambda: self.model) if with_model else None,
            notion_for=lambda tenant_id: access().for_tenant(self.notion, tenant_id),
            agents_source=lambda: self.agents,
            memory=lambda: (self.embedder, self.passages),
            audit_source=lambda: self.audit,
        )

    def _deps(self, tenants: TenantStore, **more: Any) -> Deps:
        """An engine bundle of this instance's adapters, its one spend cache, ``tenants`` and ``more``."""
        from shared.services.deps import Deps
        from shared.services.spend_cache import SpendCache

        spend = self._once("spend_cache", SpendCache)
        return Deps(self.store, self.queue, self.secrets, self.settings, spend, tenants=tenants, **more)

    def _build_deploy_engine(self) -> Deps:
        from shared.services.code_access import CodeAccess

        tenants = self._cached_tenants()
        code = CodeAccess(self.code_host, self.deployer, self.secrets, tenants)
        return self._deps(tenants, model_source=lambda: self.model, code=code)

    def _cached_tenants(self) -> TenantStore:
        """The tenant store an engine bundle reads through (one each, as each is built once)."""
        from shared.adapters.cached_tenants import CachedTenants

        return CachedTenants(self.tenants)

    def _firestore(self) -> Any:
        """One Firestore client per instance, shared by every Firestore adapter."""

        def build() -> Any:
            from google.cloud import firestore

            if self.settings.firestore_emulator_host:
                # The client library finds the emulator only through this variable.
                os.environ["FIRESTORE_EMULATOR_HOST"] = self.settings.firestore_emulator_host
            return firestore.Client(
                project=self.settings.gcp_project, database=self.settings.firestore_database
            )

        return self._once("firestore", build)

    def _notion_client(self) -> Any:
        """One notion-client Client (and its connection pool) per instance; tokens go per call."""

        def build() -> Any:
            from shared.adapters.notion import build_client

            return build_client(self.settings.notion_api_base_url, self.settings.notion_timeout_s)

        return self._once("notion_client", build)

    def _build_code_host(self) -> CodeHost:
        from shared.adapters.github import GitHubCodeHost

        return GitHubCodeHost(self.settings.github_api_base_url, self.settings.code_timeout_s)

    def _build_deployer(self) -> Deployer:
        from shared.adapters.vercel import VercelDeployer

        return VercelDeployer(self.settings.vercel_api_base_url, self.settings.code_timeout_s)

    @property
    def mailer(self) -> Mailer:
        """The SMTP relay of email notifications; ConfigError when the deployment has none."""
        return self._once("mailer", self._build_mailer)

    def _build_mailer(self) -> Mailer:
        from shared.adapters.smtp import SmtpMailer

        s = self.settings
        if not s.smtp_host or not s.smtp_sender:
            raise ConfigError("email needs NA_SMTP_HOST and NA_SMTP_SENDER (the relay and the From)")
        return SmtpMailer(
            s.smtp_host,
            s.smtp_port,
            s.smtp_security,
            s.smtp_username,
            s.smtp_sender,
            timeout_s=s.smtp_timeout_s,
        )

    def _build_chat(self) -> Chat:
        from shared.adapters.slack import SlackChat

        return SlackChat(self.settings.slack_api_base_url, self.settings.slack_timeout_s)

    def _build_webhooks(self) -> ChatWebhooks:
        from shared.adapters.discord import DiscordWebhookClient

        return DiscordWebhookClient(self.settings.discord_api_base_url, self.settings.slack_timeout_s)

    def _build_store(self) -> RunStore:
        from shared.adapters.firestore_store import FirestoreRunStore

        return FirestoreRunStore(self._firestore())

    def _build_tenants(self) -> TenantStore:
        from shared.adapters.firestore_tenants import FirestoreTenantStore

        return FirestoreTenantStore(self._firestore(), self.settings.tenant_routing_cache_s)

    def _build_oauth_states(self) -> OAuthStateStore:
        from shared.adapters.firestore_tenants import FirestoreOAuthStates

        return FirestoreOAuthStates(self._firestore())

    def _build_invites(self) -> InviteStore:
        from shared.adapters.firestore_tenants import FirestoreInvites

        return FirestoreInvites(self._firestore())

    def _build_paces(self) -> PaceCounters:
        from shared.adapters.firestore_paces import FirestorePaces

        return FirestorePaces(self._firestore())

    def _build_webhook_events(self) -> WebhookEventLedger:
        from shared.adapters.firestore_tenants import FirestoreWebhookEvents

        return FirestoreWebhookEvents(self._firestore())

    def _build_dead_letters(self) -> DeadLetterStore:
        from shared.adapters.firestore_dead_letters import FirestoreDeadLetters

        return FirestoreDeadLetters(self._firestore())

    def _build_audit(self) -> AuditLog:
        from shared.adapters.firestore_audit import FirestoreAudit

        return FirestoreAudit(self._firestore())

    def _build_api_keys(self) -> ApiKeyStore:
        from shared.adapters.firestore_api_keys import FirestoreApiKeys

        return FirestoreApiKeys(self._firestore())

    def _build_agents(self) -> AgentStore:
        from shared.adapters.firestore_agents import FirestoreAgents

        return FirestoreAgents(self._firestore())

    def _build_notion(self) -> NotionClient:
        from shared.adapters.notion import NotionApi

        s = self.settings
        return NotionApi(
            self._notion_client(), s.notion_max_inline_wait_s, s.notion_rate_per_s, s.notion_burst
        )

    def _build_notion_oauth(self) -> NotionOAuth:
        from shared.adapters.notion import NotionOAuthClient

        return NotionOAuthClient(self._notion_client())

    def _build_queue(self) -> TaskQueue:
        from google.cloud import tasks_v2

        from shared.adapters.cloud_tasks import CloudTaskQueue

        if self.settings.tasks_emulator_host:
            import grpc
            from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

            channel = grpc.insecure_channel(self.settings.tasks_emulator_host)
            client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
        else:
            client = tasks_v2.CloudTasksClient()
        return CloudTaskQueue(client, self.settings)

    def _build_secrets(self) -> SecretStore:
        if self.settings.secrets_backend == "local":
            from shared.adapters.local_secrets import LocalFileSecrets

            return LocalFileSecrets(self.settings.local_secrets_file)
        from google.cloud import secretmanager

        from shared.adapters.secret_manager import SecretManagerSecrets

        client = secretmanager.SecretManagerServiceClient()
        return SecretManagerSecrets(client, self.settings.gcp_project, self.settings.secret_cache_ttl_s)

    def _build_notifications(self) -> NotificationLog:
        from shared.adapters.firestore_notifications import FirestoreNotificationLog

        return FirestoreNotificationLog(self._firestore())

    def _build_notifier(self) -> Notifier:
        from shared.services.links import LinkMinter

        s = self.settings
        minter = LinkMinter(self.secrets, s.api_url, s.approval_link_ttl_s, frontend_url=s.frontend_url)
        if self.settings.notifier_backend == "live":
            from shared.services.channels import (
                DiscordMessages,
                Emails,
                NotionComments,
                SlackMessages,
                sender_domain,
            )
            from shared.services.delivery import ChannelDelivery

            mailer = self.mailer if self.settings.smtp_host else None  # no relay: no email channel
            channels: list[NotificationChannel] = [
                NotionComments(partial(self.notion_access.for_tenant, self.notion)),
                SlackMessages(self.chat, self.secrets),
                DiscordMessages(self.webhooks, self.secrets),
                Emails(mailer, self.secrets, sender_domain(self.settings.smtp_sender), minter),
            ]
            lease_s = self.settings.step_lease_s  # longer than a message's requests and a token refresh
            return ChannelDelivery(self.notifications, channels, lease_s)
        from shared.adapters.outbox import OutboxNotifier

        return OutboxNotifier(self.settings.outbox_dir, minter)

    def _build_model(self) -> Model:
        s = self.settings
        if s.model_backend == "offline":
            from shared.adapters.offline_model import OfflineModel

            return OfflineModel(s.model_prices, s.thinking_budgets())
        from shared.adapters.vertex_model import VertexModel

        models = {"plan": s.model_plan, "draft": s.model_draft}
        production = s.profile == "production"
        return VertexModel(
            s.gcp_project,
            s.model_location,
            models,
            s.model_prices,
            base_url=s.model_base_url,
            production=production,
            timeout_s=s.model_timeout_s,
            thinking=s.thinking_budgets(),
        )

    def _build_passages(self) -> PassageStore:
        from shared.adapters.firestore_passages import FirestorePassages

        return FirestorePassages(self._firestore())

    def _build_embedder(self) -> Embedder:
        s = self.settings
        if s.model_backend == "offline":
            from shared.adapters.local_embedder import LocalEmbedder

            return LocalEmbedder()
        from shared.adapters.vertex_embedder import VertexEmbedder

        price = s.model_prices.get(s.model_embed, (0.0, 0.0))[0]
        production = s.profile == "production"
        return VertexEmbedder(
            s.gcp_project,
            s.model_location,
            s.model_embed,
            price,
            base_url=s.model_base_url,
            production=production,
        )


@lru_cache(maxsize=1)
def root() -> Container:
    """This instance's container, built on first use from the environment's settings (and logging
    configured by them)."""
    settings = get_settings()
    logs.configure(settings.gcp_project, settings.log_level)
    return Container(settings)
