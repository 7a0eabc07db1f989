"""The platform's part of the composition root: Cloud Tasks, secrets, pace counters, dead letters, the
model (its families on Vertex AI), the doctor's records, the api's paces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built, Instance

if TYPE_CHECKING:
    from shared.platform.adapters.vertex_model import OnVertex
    from shared.platform.config import Settings
    from shared.platform.ports import (
        DeadLetterStore,
        DoctorChecks,
        Model,
        PaceCounters,
        SecretStore,
        TaskQueue,
    )
    from shared.platform.services.api_limits import ApiLimits
    from shared.platform.services.model_routing import Family


def _queue(part: Platform) -> TaskQueue:
    from google.cloud import tasks_v2

    from shared.platform.adapters.cloud_tasks import CloudTaskQueue

    settings = part.instance.settings
    if settings.tasks_emulator_host:
        import grpc
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        channel = grpc.insecure_channel(settings.tasks_emulator_host)
        client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
    else:
        client = tasks_v2.CloudTasksClient()
    return CloudTaskQueue(client, settings)


def _secrets(part: Platform) -> SecretStore:
    s = part.instance.settings
    if s.secrets_backend == "local":
        from shared.platform.adapters.local_secrets import LocalFileSecrets

        return LocalFileSecrets(s.local_secrets_file)
    from google.cloud import secretmanager

    from shared.platform.adapters.secret_manager import SecretManagerSecrets

    client = secretmanager.SecretManagerServiceClient()
    return SecretManagerSecrets(client, s.gcp_project, s.secret_cache_ttl_s, replicas=s.secret_replicas())


def _model(part: Platform) -> Model:
    s = part.instance.settings
    if s.model_backend == "offline":
        from shared.platform.adapters.offline_model import OfflineModel

        return OfflineModel(s.model_prices, s.thinking_budgets())
    from shared.platform.services.model_routing import RoutedModel

    return RoutedModel(
        {"gemini": gemini_family(s), "claude": claude_family(s)},
        s.model_routes,
        fallback=s.model_fallback,
        review=s.model_review_family,
    )


class Platform:
    """The platform's ports, and the api's paces and the doctor's records built from them."""

    queue: Built[TaskQueue] = Built(
        "shared.platform.adapters.cloud_tasks", ("google.cloud.tasks_v2",), _queue
    )
    secrets: Built[SecretStore] = Built(
        "shared.platform.adapters.secret_manager", ("google.cloud.secretmanager",), _secrets
    )
    paces: Built[PaceCounters] = Built.firestore("shared.platform.adapters.firestore_paces", "FirestorePaces")
    dead_letters: Built[DeadLetterStore] = Built.firestore(
        "shared.platform.adapters.firestore_dead_letters", "FirestoreDeadLetters"
    )
    # google-genai is built on httpx
    model: Built[Model] = Built("shared.platform.adapters.vertex_model", ("google.genai", "httpx"), _model)

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    @property
    def api_limits(self) -> ApiLimits:
        """The api's pace per person and per key, counted in Firestore (shared.platform.services.api_limits)."""
        from shared.platform.services.api_limits import ApiLimits

        return self.instance.once("api_limits", lambda: ApiLimits(self.instance.settings, self.paces))

    @property
    def doctor_checks(self) -> DoctorChecks:
        """``make doctor``'s records (shared.platform.services.doctor): not a port a cold start preloads."""

        def build() -> DoctorChecks:
            from shared.platform.adapters.firestore_doctor import FirestoreDoctorChecks

            return FirestoreDoctorChecks(self.instance.firestore())

        return self.instance.once("doctor_checks", build)


def gemini_family(s: Settings) -> Family:
    """Gemini on Vertex AI (google-genai), built when first asked."""
    from shared.platform.services.model_routing import Family

    models = {"fast": s.model_plan, "strong": s.model_draft}

    def build() -> Model:
        from shared.platform.adapters.vertex_model import VertexModel

        return VertexModel(
            on_vertex(s, s.model_base_url), models, s.model_prices, thinking=s.thinking_budgets()
        )

    return Family("gemini", build, models)


def claude_family(s: Settings) -> Family:
    """Claude on Vertex AI (Anthropic's SDK for Vertex, decision 0092), built when first asked: a
    deployment that never falls back to it never loads it. Authenticated as Gemini is (Application
    Default Credentials: the function's service account)."""
    from shared.platform.services.model_routing import Family

    models = {"fast": s.model_claude_plan, "strong": s.model_claude_draft}

    def build() -> Model:
        from shared.platform.adapters.claude_vertex_model import ClaudeVertexModel

        return ClaudeVertexModel(on_vertex(s, s.model_claude_base_url), models, s.model_prices)

    return Family("claude", build, models)


def on_vertex(s: Settings, base_url: str, timeout_s: float | None = None) -> OnVertex:
    """How an adapter reaches Vertex AI: the project and its location, ``base_url`` (a stand-in's;
    empty: Vertex AI's), production or not, and the timeout (by default the model's)."""
    from shared.platform.adapters.vertex_model import OnVertex

    return OnVertex(
        s.gcp_project,
        s.model_location,
        base_url,
        production=s.profile == "production",
        timeout_s=s.model_timeout_s if timeout_s is None else timeout_s,
    )
