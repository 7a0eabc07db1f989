"""The composition root: a :class:`Container` holds one part per capability (``shared/bootstrap/
<capability>.py``), each the table of its ports' declarations (:class:`~shared.bootstrap.declare.Built`)
and the bundles its use cases take. The container adds the bundles that span capabilities (the engine's
Deps, intake, connect, erasure). All is built lazily, once per instance; entry points use :func:`root`,
tests build a :class:`Container` of their own adapters. :func:`preload` imports the client libraries
(and adapter modules) of the ports an entry point uses, building nothing: a cold start pays for what
its function needs. Past the limit: one module per capability's part and the declarations' table
(decision 0151), so a folder of as many modules as there are capabilities, plus two."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared.bootstrap.agents import Agents
from shared.bootstrap.calendar import Calendar
from shared.bootstrap.code import Code
from shared.bootstrap.declare import Instance, declared
from shared.bootstrap.google import Google
from shared.bootstrap.mail import Mail
from shared.bootstrap.mcp import Mcp
from shared.bootstrap.memory import Memory
from shared.bootstrap.notify import Notify
from shared.bootstrap.notion import Notion
from shared.bootstrap.outbound import Outbound
from shared.bootstrap.platform import Platform
from shared.bootstrap.runs import Runs
from shared.bootstrap.sessions import Sessions
from shared.bootstrap.slack import Slack
from shared.bootstrap.sync import Sync
from shared.bootstrap.team import Team
from shared.bootstrap.workspace import Workspace
from shared.platform import logs
from shared.platform.config import get_settings

if TYPE_CHECKING:
    from shared.calendar.services.intake import CalendarIntake
    from shared.calendar.services.triggers import CalendarTick
    from shared.engine.services.check_wakeups import CheckWakeups
    from shared.mail.services.intake import MailIntake
    from shared.notion.services.connect import Connecting
    from shared.notion.services.erasure import Erasing
    from shared.notion.services.notion_access import NotionAccess
    from shared.platform.config import Settings
    from shared.runs.services.deps import Deps
    from shared.runs.services.notion_intake import Intake
    from shared.slack.services.events import SlackIntake
    from shared.sync.services.issue_writes import IssueWrites
    from shared.workspace.domain.integrations import Integration

__all__ = ["CLIENT_LIBRARIES", "DECLARED", "PORTS", "_MODULES", "Container", "Port", "preload", "root"]

type Port = str  # a port's name: its declaration's attribute in its capability's part

# Every port a container builds or is given, from its part's declaration: the production adapter
# module of each (what a deployed function imports at cold start) and the client libraries that
# module imports (tests/unit/platform/entry/test_import_hygiene.py holds them to the adapter's imports).
DECLARED = declared(
    (
        Platform,
        Workspace,
        Team,
        Notion,
        Notify,
        Code,
        Runs,
        Agents,
        Sync,
        Memory,
        Sessions,
        Slack,
        Mail,
        Mcp,
        Outbound,
        Calendar,
        Google,
    )
)
PORTS = frozenset(DECLARED)
_MODULES = {name: port.module for name, port in DECLARED.items()}
CLIENT_LIBRARIES = {name: port.libraries for name, port in DECLARED.items()}


def preload(*ports: Port, adapters: tuple[Port, ...] | None = None) -> None:
    """Import the client libraries of ``ports`` and the adapter modules of ``adapters`` (default: all
    of ``ports``); no client is built, no setting is read."""
    unknown = sorted(set(ports) - PORTS)
    if unknown:
        raise ValueError(f"preload: no such port {unknown}")
    for port in ports:
        for library in CLIENT_LIBRARIES[port]:
            importlib.import_module(library)
    for port in ports if adapters is None else adapters:
        if port not in ports:
            raise ValueError(f"preload: adapter {port!r} is not among the ports {ports}")
        importlib.import_module(_MODULES[port])


class Container:
    """One instance's parts, one per capability, each holding the parts it uses; ``adapters`` (by
    port name) replace the ones the settings would build: tests pass fakes or the local stack's."""

    def __init__(self, settings: Settings, **adapters: object) -> None:
        unknown = set(adapters) - PORTS
        if unknown:
            raise ValueError(f"Container: no such port {sorted(unknown)}")
        self.instance = instance = Instance(settings, adapters)
        self.platform = Platform(instance)
        self.workspace = Workspace(instance)
        self.team = Team(instance)
        self.notion = Notion(instance, self.platform, self.workspace)
        self.mail = Mail(instance, self.platform)
        self.notify = Notify(instance, self.platform, self.notion, self.mail)
        self.code = Code(instance)
        self.runs = Runs(instance, self.platform, self.workspace)
        self.agents = Agents(instance, self.platform)
        self.sync = Sync(
            instance, self.platform, self.workspace, self.notion, self.agents, wakeups=self.check_wakeups
        )
        self.memory = Memory(instance)
        self.slack = Slack(instance, self.platform, self.workspace, self.notify)
        self.sessions = Sessions(instance)
        self.mcp = Mcp(instance, self.platform, self.workspace, self.team)
        self.outbound = Outbound(instance, self.platform, self.workspace)
        self.calendar = Calendar(instance, self.platform)
        self.google = Google(instance, self.platform, self.workspace, self.mail, self.calendar_intake)

    @property
    def settings(self) -> Settings:
        """The instance's settings; a test may replace them (bundles built later read the new ones)."""
        return self.instance.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self.instance.settings = settings

    def port(self, name: Port) -> object:
        """The port ``name`` (built on first use), read through the part that declares it: for code
        that names ports by a string (a test harness wrapping one)."""
        if name not in PORTS:
            raise ValueError(f"Container: no such port {name!r}")
        [part] = [part for part in vars(self).values() if name in vars(type(part))]
        return getattr(part, name)

    # The bundles of adapters the use cases take (built here, never in entry points).

    def engine(self, with_model: bool = True) -> Deps:
        """The engine's dependencies (plan, execute-step, the api's run routes, the sweeper), built
        once: the tenant read through :class:`CachedTenants`, Notion bound per tenant to its current
        token on first use (a step that does not use Notion reads no token)."""
        return self.instance.once(f"engine:{with_model}", lambda: self._engine_deps(with_model))

    def deploy_engine(self) -> Deps:
        """The engine's dependencies for the deploy function: GitHub and Vercel, no Notion (its steps
        never touch a workspace, so it holds no Notion token)."""
        return self.instance.once("deploy_engine", self._deploy_deps)

    def check_wakeups(self) -> CheckWakeups:
        """What GitHub's webhook route uses: the run store, the deliveries seen, the queue and the
        secrets holding each workspace's webhook secret (decision 0139). It carries the engine's deps
        (no model) that check a revision's agent and budgets before it is queued (decision 0131)."""
        from shared.engine.services.check_wakeups import CheckWakeups

        p = self.platform
        wakeups = CheckWakeups(self.runs.store, self.workspace.webhook_events, p.queue, p.secrets)
        return wakeups._replace(engine=lambda: self.engine(with_model=False))

    def calendar_intake(self) -> CalendarIntake:
        """What the calendar's push route and the tick's renewal use: the links, the Calendar API and
        the secrets. NotFound when the deployment connects no calendars."""
        from shared.calendar.services.intake import CalendarIntake

        c, s = self.calendar, self.settings
        api = c.calendar_api  # first: NotFound without calendars, before any store is built
        return CalendarIntake(c.calendar_links, api, self.platform.secrets, s.calendar_push_address)

    def calendar_tick(self) -> CalendarTick:
        """What the calendar's tick uses: the calendar's intake, the tenants, the agents and the queue."""
        from shared.calendar.services.triggers import CalendarTick

        w = self.workspace
        return CalendarTick(self.calendar_intake(), w.tenants, self.agents.agents, self.platform.queue)

    def intake(self) -> Intake:
        """What webhook intake uses, with the settings as they are now."""
        from shared.runs.services.notion_intake import Intake

        s = self.settings
        return Intake(
            self.workspace.tenants,
            self.workspace.webhook_events,
            self.platform.queue,
            self.platform.secrets,
            s.webhook_event_ttl_s,
            s.webhook_coalesce_s,
            s.verification_open_until(),
            index_pages=s.workspace_index,
        )

    def slack_intake(self) -> SlackIntake:
        """What Slack's events route uses: the app's signing secret (the platform secret
        ``slack-signing-secret``; ConfigError without it), the installs, Slack's Web API, the tenants,
        the ledger of events and the queue. Also the sessions a thread is held in and the engine a
        steer takes (decision 0195)."""
        from shared.platform.config import PlatformSecret
        from shared.slack.services.events import SlackIntake

        p = self.platform
        return SlackIntake(
            signing_secret=p.secrets.get(PlatformSecret.SLACK_SIGNING_SECRET),
            installs=self.slack.slack_installs,
            web=self.slack.slack_web,
            secrets=p.secrets,
            tenants=self.workspace.tenants,
            ledger=self.workspace.webhook_events,
            queue=p.queue,
            console_url=self.settings.frontend_url,
            sessions=self.sessions.sessions,
            engine=lambda: self.engine(with_model=False),
            agents=self.agents.agents,
        )

    def mail_intake(self) -> MailIntake:
        """What Gmail's push route uses: the push tokens' check, the mailboxes, Gmail, the tenants, the
        ledger and the queue. NotFound when the deployment has no Google OAuth client or push setup."""
        from shared.mail.services.intake import MailIntake

        p, m = self.platform, self.mail
        return MailIntake(
            verifier=m.push_verifier,
            mailboxes=m.mailboxes,
            gmail=m.gmail,
            secrets=p.secrets,
            tenants=self.workspace.tenants,
            ledger=self.workspace.webhook_events,
            queue=p.queue,
            console_url=self.settings.frontend_url,
            reply_domain=self.settings.mail_push_audience.partition("://")[2].partition("/")[0]
            or "agents.invalid",
        )

    def connecting(self) -> Connecting:
        """What the connect flow (connect, OAuth callback, disconnect) uses."""
        from shared.notion.services.connect import Connecting

        invites = self.workspace.invites if self.settings.signup_policy == "invite" else None
        return Connecting(
            self.settings,
            self.platform.secrets,
            self.workspace.oauth_states,
            self.workspace.tenants,
            self.notion.notion_oauth,
            invites,
            forget_index=lambda tenant_id: self.memory.passages.delete_all(tenant_id),  # noqa: PLW0108 (built when used)
        )

    def erasing(self) -> Erasing:
        """What erasing a workspace uses (the owner's ``POST /workspace/erase``, ``make erase-tenant``):
        the erasures' records, the connect flow's parts, the held runs' cancelling, the tools'
        disconnects. The MCP servers' tokens, the webhook endpoints' secrets, the agents' mailboxes and
        the people's calendars are forgotten too."""
        from shared.calendar.services.connect import forget_calendars
        from shared.google.services.disconnect import forget_google
        from shared.mail.services.connect import forget_mailboxes
        from shared.mcp.services.connect import forget_servers
        from shared.notion.services.erasure import Erasing
        from shared.outbound.services.endpoints import forget_endpoints

        forget_tools = self.sync.forget_tools()

        def tools(tenant_id: str) -> list[dict[str, Any]]:
            forget_servers(tenant_id, self.mcp.connecting())  # the MCP servers' tokens too
            forget_endpoints(tenant_id, self.outbound.delivering())  # the webhooks' secrets too
            if self.settings.google_oauth_client_id:  # each watch stopped and grant revoked at Google
                forget_google(tenant_id, self.google.connecting())
            forget_mailboxes(tenant_id, mailboxes=self.mail.mailboxes, secrets=self.platform.secrets)
            forget_calendars(tenant_id, links=self.calendar.calendar_links, secrets=self.platform.secrets)
            return forget_tools(tenant_id)

        return Erasing(self.workspace.erasures, self.connecting(), self.stop_held_runs(), tools)

    def stop_held_runs(self) -> Callable[[str, str], int]:
        """``(tenant_id, reason)`` → how many held runs were cancelled (``humans.cancel_held``), as
        a disconnect needs it."""
        from shared.engine.services.humans import cancel_held

        engine = self.engine(with_model=False)
        return lambda tenant_id, reason: cancel_held(engine, tenant_id, reason)

    def account_checker(self, integration: Integration) -> Callable[[str], str]:
        """The "who is this token" call of ``integration``'s adapter (only that adapter is built)."""
        from shared.workspace.domain.integrations import Integration

        if integration == Integration.GITHUB:
            return self.code.code_host.account
        if integration == Integration.VERCEL:
            return self.code.deployer.account
        if integration == Integration.DISCORD:
            return self.notify.discord.account
        return self.notify.chat.account

    def _engine_deps(self, with_model: bool) -> Deps:
        tenants = self.workspace.cached_tenants()

        def access() -> NotionAccess:
            return self.instance.once("engine_notion", lambda: self.notion.access(tenants))

        return self.runs.deps(
            tenants,
            model_source=(lambda: self.platform.model) if with_model else None,
            notion_for=lambda tenant_id: access().for_tenant(self.notion.notion, tenant_id),
            agents_source=lambda: self.agents.agents,
            memory=lambda: (self.memory.embedder, self.memory.passages),
            reranker=lambda: self.memory.reranker,
            audit_source=lambda: self.team.audit,
            trackers=self._issue_writes,
            mcp=self.mcp.calls,
        )

    def _issue_writes(self) -> IssueWrites:
        """The runs' writes to connected trackers (decision 0116), built once."""
        from shared.sync.services.issue_writes import IssueWrites
        from shared.sync.services.task_writes import TaskWrites

        def built() -> IssueWrites:
            sync, secrets = self.sync, self.platform.secrets
            console = self.settings.frontend_url  # where a task's signature links (decision 0130)
            motion = TaskWrites(secrets, sync.motion_store, sync.motion, console)
            return IssueWrites(
                secrets,
                sync.sync_store,
                sync.linear,
                sync.gitlab_store,
                sync.gitlab,
                motion=motion,
                oauth=sync.oauth_parts(),
            )

        return self.instance.once("issue_writes", built)

    def _deploy_deps(self) -> Deps:
        from shared.code.services.code_access import CodeAccess

        tenants = self.workspace.cached_tenants()
        code = CodeAccess(
            self.code.code_host,
            self.code.deployer,
            self.platform.secrets,
            tenants,
            gitlab=self.sync.gitlab_code_hosts(),
        )
        return self.runs.deps(tenants, model_source=lambda: self.platform.model, code=code)


@lru_cache(maxsize=1)
def root() -> Container:
    """This instance's container, built on first use from the environment's settings (and logging
    configured by them)."""
    settings = get_settings()
    logs.configure(settings.gcp_project, settings.log_level)
    return Container(settings)
