"""The platform's adapters: one Firestore client, Cloud Tasks, secrets, pace counters, dead letters, the model, the doctor's records, the api's paces."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from shared.bootstrap.base import Base, Built

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


class PlatformParts(Base):
    """The platform's adapters. Built once per instance."""

    queue: Built[TaskQueue] = Built()
    secrets: Built[SecretStore] = Built()
    paces: Built[PaceCounters] = Built("FirestorePaces")
    dead_letters: Built[DeadLetterStore] = Built("FirestoreDeadLetters")
    model: Built[Model] = Built()

    @property
    def api_limits(self) -> ApiLimits:
        """The api's pace per person and per key, counted in Firestore (shared.platform.services.api_limits)."""
        from shared.platform.services.api_limits import ApiLimits

        return self._once("api_limits", lambda: ApiLimits(self.settings, self.paces))

    @property
    def doctor_checks(self) -> DoctorChecks:
        """``make doctor``'s records (shared.platform.services.doctor): not a port a cold start preloads."""

        def build() -> DoctorChecks:
            from shared.platform.adapters.firestore_doctor import FirestoreDoctorChecks

            return FirestoreDoctorChecks(self._firestore())

        return self._once("doctor_checks", build)

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

    def _build_queue(self) -> TaskQueue:
        from google.cloud import tasks_v2

        from shared.platform.adapters.cloud_tasks import CloudTaskQueue

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
            from shared.platform.adapters.local_secrets import LocalFileSecrets

            return LocalFileSecrets(self.settings.local_secrets_file)
        from google.cloud import secretmanager

        from shared.platform.adapters.secret_manager import SecretManagerSecrets

        client = secretmanager.SecretManagerServiceClient()
        return SecretManagerSecrets(
            client,
            self.settings.gcp_project,
            self.settings.secret_cache_ttl_s,
            replicas=self.settings.secret_replicas(),
        )

    def _build_model(self) -> Model:
        s = self.settings
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


def gemini_family(s: Settings) -> Family:
    """Gemini on Vertex AI (google-genai), built when first asked."""
    from shared.platform.services.model_routing import Family

    models = {"plan": s.model_plan, "draft": s.model_draft}

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

    models = {"plan": s.model_claude_plan, "draft": s.model_claude_draft}

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
