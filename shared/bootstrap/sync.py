"""Sync's adapters (Linear's GraphQL API, GitLab's and Motion's REST APIs, each one's sync store) and the bundles its
use cases take."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.bootstrap.base import Built
from shared.bootstrap.runs import RunsParts

if TYPE_CHECKING:
    from shared.code.ports import GitLabHost
    from shared.notion.ports import TenantNotion
    from shared.platform.ports import SecretStore
    from shared.sync.domain.connection import Tool
    from shared.sync.domain.tracker_signals import TrackerSignal
    from shared.sync.ports import GitLabApi, GitLabStore, LinearApi, MotionApi, MotionStore, SyncStore
    from shared.sync.ports import SyncOAuth as OAuthEndpoints
    from shared.sync.services.connect import GitLabLinking, Linking
    from shared.sync.services.intake import GitLabIntake, Intake, LinearIntake
    from shared.sync.services.mirror import GitLabMirroring, Mirror, Mirroring, MotionMirroring
    from shared.sync.services.motion import MotionLinking
    from shared.sync.services.oauth import OAuthConnecting, OAuthParts


class SyncParts(RunsParts):
    """Sync's adapters and bundles. Built once per instance."""

    linear: Built[LinearApi] = Built()
    sync_store: Built[SyncStore] = Built("FirestoreSync")
    gitlab: Built[GitLabApi] = Built()
    gitlab_store: Built[GitLabStore] = Built("FirestoreGitLabSync")
    motion: Built[MotionApi] = Built()
    motion_store: Built[MotionStore] = Built("FirestoreMotionSync")
    sync_oauth: Built[OAuthEndpoints] = Built()

    def forget_tools(self) -> Callable[[str], list[dict[str, Any]]]:
        """``tenant_id`` → each synced tool disconnected for an erasure (Linear, GitLab, Motion: our
        webhooks deleted at the tool, OAuth grants revoked there, secrets and records deleted), and
        what each that was connected said."""
        from shared.sync.services.connect import disconnect_gitlab, disconnect_linear
        from shared.sync.services.motion import disconnect_motion

        def forget(tenant_id: str) -> list[dict[str, Any]]:
            connected = {
                tool: store.connection(tenant_id) is not None
                for tool, store in (
                    ("linear", self.sync_store),
                    ("gitlab", self.gitlab_store),
                    ("motion", self.motion_store),
                )
            }
            # Each always: an interrupted attempt may have left its secrets behind its record.
            said = [
                disconnect_linear(tenant_id, self.linking()),
                disconnect_gitlab(tenant_id, self.gitlab_linking()),
                disconnect_motion(tenant_id, self.motion_linking()),
            ]
            return [answer for answer in said if connected[answer["tool"]]]

        return forget

    def linking(self) -> Linking:
        """What connecting and disconnecting Linear uses."""
        from shared.sync.services.connect import Linking

        return Linking(
            self.tenants,
            self.secrets,
            self.sync_store,
            self.linear,
            self.queue,
            self._hook_url("linear"),
            oauth=self.oauth_parts(),
        )

    def oauth_parts(self) -> OAuthParts:
        """The sync's OAuth apps as the settings configure them, and their token endpoints' client."""
        from shared.sync.domain.oauth import apps_of
        from shared.sync.services.oauth import OAuthParts

        s = self.settings
        apps = apps_of(
            (
                s.linear_oauth_client_id,
                s.linear_oauth_url,
                s.linear_api_base_url,
                s.linear_oauth_actor == "app",
            ),
            (s.gitlab_oauth_client_id, s.gitlab_oauth_base_url),
        )
        base = s.api_url.rstrip("/")
        return OAuthParts(
            self.secrets, self.sync_oauth, apps, lambda tool: f"{base}/sync/{tool}/oauth/callback"
        )

    def oauth_connecting(self, tool: Tool) -> OAuthConnecting:
        """What connecting ``tool`` with its OAuth app uses: its key's connect, given the token."""
        from shared.sync.services import connect
        from shared.sync.services.oauth import OAuthConnecting

        parts, states, frontend = self.oauth_parts(), self.oauth_states, self.settings.frontend_url
        if tool == "linear":
            linear = self.linking()
            return OAuthConnecting(
                parts,
                states,
                frontend,
                lambda t, key, p: connect.link_linear(t, key, p, linear),
                connect.linear_params,
            )
        gitlab, base = self.gitlab_linking(), self.settings.gitlab_oauth_base_url.rstrip("/")
        return OAuthConnecting(
            parts,
            states,
            frontend,
            lambda t, key, p: connect.link_gitlab(
                t, key, (p["project"], base, p["data_source_id"], p[connect.COPY]), gitlab
            ),
            connect.gitlab_params,
        )

    def linear_intake(self) -> LinearIntake:
        """What Linear's webhook intake uses."""
        return self._intake(self.sync_store)

    def _intake[S](self, store: S) -> Intake[S]:
        """What a tool's webhook intake uses: its ``store``, our webhook secret and the deliveries seen."""
        from shared.sync.services.intake import Intake

        ttl = self.settings.webhook_event_ttl_s
        return Intake(
            store, self.secrets, self.webhook_events, self.queue, ttl, triggers=self._tracker_triggers()
        )

    def _tracker_triggers(self) -> Callable[[str, TrackerSignal], object] | None:
        """What starts the runs a tracker's event asks for: none here (the agents' parts give it)."""
        return None

    def mirroring(self) -> Mirroring:
        """What the sync task uses: Notion through the tenant's current token."""
        return self._mirror(self.sync_store, self.linear)

    def _mirror[S, A](self, store: S, api: A) -> Mirror[S, A]:
        """What a tool's sync task uses: its ``store`` and ``api``, and Notion through the tenant's current token."""
        from shared.sync.services.mirror import Mirror

        return Mirror(
            store, api, self.secrets, self.queue, notion_for=self._sync_notion(), oauth=self.oauth_parts()
        )

    def _hook_url(self, tool: Tool) -> Callable[[str], str]:
        """Tenant id → our intake's public URL for ``tool``'s webhook (``POST /sync/<tool>/webhook/<t>``)."""
        base = self.settings.api_url.rstrip("/")
        return lambda tenant_id: f"{base}/sync/{tool}/webhook/{tenant_id}"

    def _sync_notion(self) -> Callable[[str], TenantNotion]:
        """Notion for a tenant, through its current token (the sync tasks of every tool)."""
        from shared.notion.services.notion_access import NotionAccess

        access = self._once(
            "sync_notion",
            lambda: NotionAccess(self._cached_tenants(), self.secrets, self.notion_oauth, self.queue),
        )
        return lambda tenant_id: access.for_tenant(self.notion, tenant_id)

    def gitlab_linking(self) -> GitLabLinking:
        """What connecting and disconnecting GitLab uses (the local stack may name its loopback sandbox)."""
        from shared.sync.services.connect import GitLabLinking

        return GitLabLinking(
            self.tenants,
            self.secrets,
            self.gitlab_store,
            self.gitlab,
            self.queue,
            self._hook_url("gitlab"),
            allow_local=self.settings.profile == "local",
            oauth=self.oauth_parts(),
        )

    def gitlab_intake(self) -> GitLabIntake:
        """What GitLab's webhook intake uses; its Pipeline Hooks wake the code runs (decision 0126)."""
        from shared.engine.services.check_wakeups import wake_checks

        wakeups = self.check_wakeups
        return self._intake(self.gitlab_store)._replace(
            pipelines=lambda tenant, repository, branch: wake_checks(wakeups(), tenant, repository, branch)
        )

    def gitlab_mirroring(self) -> GitLabMirroring:
        """What GitLab's sync task uses."""
        return self._mirror(self.gitlab_store, self.gitlab)

    def gitlab_code_hosts(self) -> Callable[[str], tuple[GitLabHost, str]]:
        """The code pipeline's GitLab of each workspace (:func:`gitlab_code_hosts`), its ports built at
        the first code step on GitLab, not with the bundle that holds it."""

        def lazily(tenant_id: str) -> tuple[GitLabHost, str]:
            return gitlab_code_hosts(self.secrets, self.gitlab_store, self.gitlab)(tenant_id)

        return lazily

    def motion_linking(self) -> MotionLinking:
        """What connecting and disconnecting Motion uses."""
        from shared.sync.services.motion import MotionLinking

        return MotionLinking(self.tenants, self.secrets, self.motion_store, self.motion, self.queue)

    def motion_mirroring(self) -> MotionMirroring:
        """What Motion's sync task (its scan polls Motion) uses."""
        return self._mirror(self.motion_store, self.motion)

    def _build_sync_oauth(self) -> OAuthEndpoints:
        from shared.sync.adapters.oauth_http import OAuthHttp

        return OAuthHttp(self.settings.code_timeout_s)

    def _build_linear(self) -> LinearApi:
        from shared.sync.adapters.linear import LinearGraphQL

        return LinearGraphQL(self.settings.linear_api_base_url, self.settings.code_timeout_s)

    def _build_gitlab(self) -> GitLabApi:
        from shared.sync.adapters.gitlab import GitLabRest

        return GitLabRest(self.settings.code_timeout_s)

    def _build_motion(self) -> MotionApi:
        from shared.sync.adapters.motion import MotionRest

        return MotionRest(self.settings.code_timeout_s, self.settings.motion_api_base_url)


def gitlab_code_hosts(
    secrets: SecretStore, store: GitLabStore, api: GitLabApi
) -> Callable[[str], tuple[GitLabHost, str]]:
    """Tenant id → its GitLab connection as the code pipeline's host, and its token, both read fresh at
    each code step (decision 0126); a PermanentError when GitLab is not connected."""
    from shared.platform.errors import NotFound, PermanentError
    from shared.sync.adapters.gitlab_forge import GitLabCodeHost
    from shared.sync.domain.connection import key_secret

    def bound(tenant_id: str) -> tuple[GitLabHost, str]:
        connection = store.connection(tenant_id)
        try:
            token = secrets.get(key_secret(tenant_id, "gitlab"), fresh=True) if connection else ""
        except NotFound:
            token = ""
        if connection is None or not token:
            raise PermanentError(
                "GitLab is not connected for this workspace: connect it (PUT /sync/gitlab) first"
            )
        return GitLabCodeHost(api, connection.base_url), token

    return bound
