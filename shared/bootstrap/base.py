"""The composition root's common part: the ports a container builds (:data:`Port`), the production
adapter module and client libraries of each (what :func:`preload` imports at a cold start), and
:class:`Base`, which keeps what an instance built, once each."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, cast, overload

if TYPE_CHECKING:
    from shared.platform.config import Settings

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
    "erasures",
    "api_keys",
    "agents",
    "audit",
    "notion",
    "notion_oauth",
    "model",
    "code_host",
    "deployer",
    "chat",
    "discord",
    "mailer",
    "embedder",
    "passages",
    "reranker",
    "linear",
    "sync_store",
    "gitlab",
    "gitlab_store",
    "motion",
    "motion_store",
    "sync_oauth",
]

# The production adapter module of each port: what a deployed function imports at cold start.
_MODULES: dict[Port, str] = {
    "store": "shared.runs.adapters.firestore_store",
    "queue": "shared.platform.adapters.cloud_tasks",
    "secrets": "shared.platform.adapters.secret_manager",
    "notifier": "shared.notify.services.delivery",  # a use case over the channels' ports, not an adapter
    "notifications": "shared.notify.adapters.firestore_notifications",
    "tenants": "shared.workspace.adapters.firestore_tenants",
    "oauth_states": "shared.workspace.adapters.firestore_tenants",
    "invites": "shared.workspace.adapters.firestore_tenants",
    "paces": "shared.platform.adapters.firestore_paces",
    "webhook_events": "shared.workspace.adapters.firestore_tenants",
    "dead_letters": "shared.platform.adapters.firestore_dead_letters",
    "erasures": "shared.workspace.adapters.firestore_erasure",
    "api_keys": "shared.team.adapters.firestore_api_keys",
    "agents": "shared.agents.adapters.firestore_agents",
    "audit": "shared.team.adapters.firestore_audit",
    "notion": "shared.notion.adapters.notion",
    "notion_oauth": "shared.notion.adapters.notion",
    "model": "shared.platform.adapters.vertex_model",
    "code_host": "shared.code.adapters.github",
    "deployer": "shared.code.adapters.vercel",
    "chat": "shared.notify.adapters.slack",
    "discord": "shared.notify.adapters.discord",
    "mailer": "shared.notify.adapters.smtp",
    "embedder": "shared.memory.adapters.vertex_embedder",
    "passages": "shared.memory.adapters.firestore_passages",
    "reranker": "shared.memory.adapters.vertex_reranker",
    "linear": "shared.sync.adapters.linear",
    "sync_store": "shared.sync.adapters.firestore_sync",
    "gitlab": "shared.sync.adapters.gitlab",
    "gitlab_store": "shared.sync.adapters.firestore_sync",
    "motion": "shared.sync.adapters.motion",
    "motion_store": "shared.sync.adapters.firestore_sync",
    "sync_oauth": "shared.sync.adapters.oauth_http",
}


# The client libraries each port's production adapter imports (tests/unit/platform/entry/test_import_hygiene.py
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
    "erasures": ("google.cloud.firestore",),
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
    "discord": ("httpx",),  # Discord's incoming webhooks, on httpx
    "mailer": ("smtplib",),  # the standard library's SMTP client
    "embedder": ("google.genai", "httpx"),  # Vertex AI's embeddings, through google-genai too
    "passages": ("google.cloud.firestore",),
    "reranker": ("httpx", "google.genai"),  # the ranking API over REST; its endpoint check is the model's
    "linear": ("httpx",),  # Linear's GraphQL API, on httpx
    "sync_store": ("google.cloud.firestore",),
    "gitlab": ("httpx",),  # GitLab's REST API, on httpx
    "gitlab_store": ("google.cloud.firestore",),
    "motion": ("httpx",),  # Motion's REST API, on httpx
    "motion_store": ("google.cloud.firestore",),
    "sync_oauth": ("httpx",),  # Linear's and GitLab's OAuth token endpoints, on httpx
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


class Base:
    """The settings of one instance and what it built from them. ``adapters`` (by port name)
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

    def _firestore(self) -> Any:
        """One Firestore client per instance (the platform's part builds it)."""
        raise NotImplementedError


class Built[T]:
    """A port's adapter as an attribute of a container: built on first use, once per instance (or
    given to the container by a test). ``firestore`` names a Firestore adapter class of the port's
    module (:data:`_MODULES`), built on the instance's one client; without it, the container's
    ``_build_<name>`` method builds the adapter."""

    def __init__(self, firestore: str = "") -> None:
        self.firestore = firestore

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, container: None, owner: type) -> Built[T]: ...

    @overload
    def __get__(self, container: Base, owner: type) -> T: ...

    def __get__(self, container: Base | None, owner: type) -> T | Built[T]:
        if container is None:
            return self
        return cast(T, container._once(self.name, partial(self._build, container)))

    def _build(self, container: Base) -> object:
        if not self.firestore:
            return getattr(container, f"_build_{self.name}")()
        adapter = getattr(importlib.import_module(_MODULES[cast(Port, self.name)]), self.firestore)
        return adapter(container._firestore())
