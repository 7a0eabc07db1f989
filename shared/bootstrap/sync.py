"""Sync's part of the composition root: Linear's GraphQL API, GitLab's and Motion's REST APIs (all on
httpx), each one's sync store, their OAuth token endpoints, and the bundles sync's use cases take."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.agents import Agents
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.notion import Notion
    from shared.bootstrap.platform import Platform
    from shared.bootstrap.workspace import Workspace
    from shared.code.ports import GitLabHost
    from shared.engine.services.check_wakeups import CheckWakeups
    from shared.notion.ports import TenantNotion
    from shared.platform.ports import SecretStore
    from shared.sync.domain.connection import Tool
    from shared.sync.ports import GitLabApi, GitLabStore, LinearApi, MotionApi, MotionStore, SyncStore
    from shared.sync.ports import SyncOAuth as OAuthEndpoints
    from shared.sync.services.connect import GitLabLinking, Linking
    from shared.sync.services.intake import GitLabIntake, Intake, LinearIntake
    from shared.sync.services.mirror import GitLabMirroring, Mirror, Mirroring, MotionMirroring
    from shared.sync.services.motion import MotionLinking
    from shared.sync.services.oauth import OAuthConnecting, OAuthParts


_SYNC = "shared.sync.adapters.firestore_sync"


def _linear(part: Sync) -> LinearApi:
    from shared.sync.adapters.linear import LinearGraphQL

    return LinearGraphQL(part.instance.settings.linear_api_base_url, part.instance.settings.code_timeout_s)


def _gitlab(part: Sync) -> GitLabApi:
    from shared.sync.adapters.gitlab import GitLabRest

    return GitLabRest(part.instance.settings.code_timeout_s)


def _motion(part: Sync) -> MotionApi:
    from shared.sync.adapters.motion import MotionRest

    return MotionRest(part.instance.settings.code_timeout_s, part.instance.settings.motion_api_base_url)


def _sync_oauth(part: Sync) -> OAuthEndpoints:
    """Linear's and GitLab's OAuth token endpoints."""
    from shared.sync.adapters.oauth_http import OAuthHttp

    return OAuthHttp(part.instance.settings.code_timeout_s)


class Sync:
    """Sync's ports, and the bundles of connecting, intake and mirroring each synced tool."""

    linear: Built[LinearApi] = Built("shared.sync.adapters.linear", ("httpx",), _linear)
    sync_store: Built[SyncStore] = Built.firestore(_SYNC, "FirestoreSync")
    gitlab: Built[GitLabApi] = Built("shared.sync.adapters.gitlab", ("httpx",), _gitlab)
    gitlab_store: Built[GitLabStore] = Built.firestore(_SYNC, "FirestoreGitLabSync")
    motion: Built[MotionApi] = Built("shared.sync.adapters.motion", ("httpx",), _motion)
    motion_store: Built[MotionStore] = Built.firestore(_SYNC, "FirestoreMotionSync")
    sync_oauth: Built[OAuthEndpoints] = Built("shared.sync.adapters.oauth_http", ("httpx",), _sync_oauth)

    def __init__(
        self,
        instance: Instance,
        platform: Platform,
        workspace: Workspace,
        notion: Notion,
        agents: Agents,
        *,
        wakeups: Callable[[], CheckWakeups],
    ) -> None:
        """``wakeups``: the root's GitHub check wake-ups, which GitLab's pipeline hooks use too."""
        self.instance, self.platform, self.workspace, self.notion = instance, platform, workspace, notion
        self.agents, self.wakeups = agents, wakeups

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
            self.workspace.tenants,
            self.platform.secrets,
            self.sync_store,
            self.linear,
            self.platform.queue,
            self._hook_url("linear"),
            oauth=self.oauth_parts(),
        )

    def oauth_parts(self) -> OAuthParts:
        """The sync's OAuth apps as the settings configure them, and their token endpoints' client."""
        from shared.sync.domain.oauth import apps_of
        from shared.sync.services.oauth import OAuthParts

        s = self.instance.settings
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
            self.platform.secrets, self.sync_oauth, apps, lambda tool: f"{base}/sync/{tool}/oauth/callback"
        )

    def oauth_connecting(self, tool: Tool) -> OAuthConnecting:
        """What connecting ``tool`` with its OAuth app uses: its key's connect, given the token."""
        from shared.sync.services import connect
        from shared.sync.services.oauth import OAuthConnecting

        parts, states, frontend = (
            self.oauth_parts(),
            self.workspace.oauth_states,
            self.instance.settings.frontend_url,
        )
        if tool == "linear":
            linear = self.linking()
            return OAuthConnecting(
                parts,
                states,
                frontend,
                lambda t, key, p: connect.link_linear(t, key, p, linear),
                connect.linear_params,
            )
        gitlab, base = self.gitlab_linking(), self.instance.settings.gitlab_oauth_base_url.rstrip("/")
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

        ttl = self.instance.settings.webhook_event_ttl_s
        return Intake(
            store,
            self.platform.secrets,
            self.workspace.webhook_events,
            self.platform.queue,
            ttl,
            triggers=self.agents.tracker_triggers(),
        )

    def mirroring(self) -> Mirroring:
        """What the sync task uses: Notion through the tenant's current token."""
        return self._mirror(self.sync_store, self.linear)

    def _mirror[S, A](self, store: S, api: A) -> Mirror[S, A]:
        """What a tool's sync task uses: its ``store`` and ``api``, and Notion through the tenant's current token."""
        from shared.sync.services.mirror import Mirror

        return Mirror(
            store,
            api,
            self.platform.secrets,
            self.platform.queue,
            notion_for=self._sync_notion(),
            oauth=self.oauth_parts(),
            scan_interval_s=self.instance.settings.sync_scan_interval_s,
            tenants=self.workspace.tenants,
        )

    def _hook_url(self, tool: Tool) -> Callable[[str], str]:
        """Tenant id → our intake's public URL for ``tool``'s webhook (``POST /sync/<tool>/webhook/<t>``)."""
        base = self.instance.settings.api_url.rstrip("/")
        return lambda tenant_id: f"{base}/sync/{tool}/webhook/{tenant_id}"

    def _sync_notion(self) -> Callable[[str], TenantNotion]:
        """Notion for a tenant, through its current token (the sync tasks of every tool)."""
        access = self.instance.once(
            "sync_notion", lambda: self.notion.access(self.workspace.cached_tenants())
        )
        return lambda tenant_id: access.for_tenant(self.notion.notion, tenant_id)

    def gitlab_linking(self) -> GitLabLinking:
        """What connecting and disconnecting GitLab uses (the local stack may name its loopback sandbox)."""
        from shared.sync.services.connect import GitLabLinking

        return GitLabLinking(
            self.workspace.tenants,
            self.platform.secrets,
            self.gitlab_store,
            self.gitlab,
            self.platform.queue,
            self._hook_url("gitlab"),
            allow_local=self.instance.settings.profile == "local",
            oauth=self.oauth_parts(),
        )

    def gitlab_intake(self) -> GitLabIntake:
        """What GitLab's webhook intake uses; its Pipeline Hooks wake the code runs (decision 0126)."""
        from shared.engine.services.check_wakeups import wake_checks

        wakeups = self.wakeups
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
            return gitlab_code_hosts(self.platform.secrets, self.gitlab_store, self.gitlab)(tenant_id)

        return lazily

    def motion_linking(self) -> MotionLinking:
        """What connecting and disconnecting Motion uses."""
        from shared.sync.services.motion import MotionLinking

        return MotionLinking(
            self.workspace.tenants, self.platform.secrets, self.motion_store, self.motion, self.platform.queue
        )

    def motion_mirroring(self) -> MotionMirroring:
        """What Motion's sync task (its scan polls Motion) uses."""
        return self._mirror(self.motion_store, self.motion)


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
