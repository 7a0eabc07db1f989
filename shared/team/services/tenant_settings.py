"""The owner's settings of a tenant: read them, change some of them (a JSON merge of known fields).

A ``notification_email`` that is neither the owner's Notion email nor the confirmed address gets mail
only once its recipient confirms it: the change asks it by email (``shared.notify.services.email_confirmation``),
and the reply says whether it is confirmed (``notification_email_confirmed``: null without one).
Trigger rules are checked against each data source's schema, read from Notion, and stored with
their properties' ids (``shared.workspace.domain.triggers.resolve``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.notify.services import email_confirmation
from shared.notify.services.channel_table import channel_names, unknown_channels
from shared.platform.errors import Conflict, InvalidInput, NotFound, PermanentError
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.settings_input import SettingsInput, check_budget_order
from shared.workspace.domain.tenants import Tenant, TenantStatus
from shared.workspace.domain.triggers import Rule, RuleProblem, plain_id, resolve, rules_for

if TYPE_CHECKING:
    from shared.platform.ports import TaskQueue
    from shared.workspace.ports import TenantStore


# A data source's schema by its id: its ``properties`` ({name: config}) as Notion returns them.
type SchemaReader = Callable[[str], Mapping[str, Any]]


def _shown(tenant: Tenant) -> dict[str, Any]:
    settings = tenant.settings
    effective = {
        source: [r.model_dump(mode="json") for r in rules_for(settings.triggers, source)]
        for source in settings.data_source_ids
    }
    return {
        "status": tenant.status.value,
        "settings": settings.model_dump(mode="json"),
        "effective_triggers": effective,
        "notification_email_confirmed": tenant.email_confirmed(),
    }


def resolved_triggers(triggers: dict[str, list[Rule]], schemas: SchemaReader | None) -> dict[str, Any]:
    """The sent rules of each data source checked against its schema (one Notion read per source),
    with their properties' names, ids and types; InvalidInput names the first that does not fit."""
    seen: set[str] = set()
    resolved: dict[str, Any] = {}
    for source, rules in triggers.items():
        if plain_id(source) in seen:
            raise InvalidInput(f"triggers names data source {source} twice", [f"triggers.{source}"])
        seen.add(plain_id(source))
        needs_schema = any(r.kind in ("property_changed", "assigned_to_agent") for r in rules)
        if not needs_schema:
            resolved[source] = [r.model_dump(mode="json") for r in rules]
            continue
        if schemas is None:
            raise InvalidInput("trigger rules naming properties cannot be checked here", ["triggers"])
        try:
            schema = schemas(source)
        except PermanentError as exc:
            raise InvalidInput(
                f"data source {source} could not be read from Notion to check its rules: {exc.reason}",
                [f"triggers.{source}"],
            ) from exc
        try:
            rules_out = resolve(rules, schema, source, f"triggers.{source}")
        except RuleProblem as problem:
            raise InvalidInput(problem.reason, [problem.field]) from problem
        resolved[source] = [r.model_dump(mode="json") for r in rules_out]
    return resolved


def _chosen_triggers(settings: dict[str, Any], sent: bool) -> dict[str, Any]:
    """The rules of the chosen data sources only: sent rules for a source not chosen are a 400; stored
    rules of a source no longer chosen are dropped (choosing it again starts from the default)."""
    chosen = {plain_id(s) for s in settings.get("data_source_ids", [])}
    triggers = settings.get("triggers") or {}
    unchosen = [s for s in triggers if plain_id(s) not in chosen]
    if unchosen and sent:
        raise InvalidInput(
            f"triggers names data source {unchosen[0]}, which is not among data_source_ids",
            [f"triggers.{unchosen[0]}"],
        )
    return {s: r for s, r in triggers.items() if plain_id(s) in chosen}


def _trigger_pages(settings: dict[str, Any], sent: bool) -> list[str] | None:
    """The pages whose changes start work among the chosen pages only: a sent one that is not chosen
    is a 400 naming it; a stored one no longer chosen is dropped. None stays None (every chosen page)."""
    named = settings.get("trigger_page_ids")
    if named is None:
        return None
    chosen = {plain_id(p) for p in settings.get("page_ids", [])}
    unchosen = [p for p in named if plain_id(p) not in chosen]
    if unchosen and sent:
        raise InvalidInput(
            f"trigger_page_ids names page {unchosen[0]}, which is not among page_ids", ["trigger_page_ids"]
        )
    return [p for p in named if plain_id(p) in chosen]


def _plan_sources(tenant: Tenant, settings: dict[str, Any], sent: bool) -> list[str]:
    """The daily plan's sources among the chosen task sources only (:meth:`Tenant.task_sources`): a
    sent one that is not chosen is a 400 naming it; a stored one no longer chosen is dropped."""
    chosen = tenant.model_copy(update={"settings": TenantSettings.model_validate(settings)})
    known = {plain_id(s) for s in chosen.task_sources()}
    named = settings.get("daily_plan_sources") or []
    unchosen = [s for s in named if plain_id(s) not in known]
    if unchosen and sent:
        raise InvalidInput(
            f"daily_plan_sources names data source {unchosen[0]}, which is neither among "
            "data_source_ids nor the home's Tasks",
            ["daily_plan_sources"],
        )
    return [s for s in named if plain_id(s) in known]


def read_settings(tenant_id: str, tenants: TenantStore) -> dict[str, Any]:
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    return _shown(tenant)


def change_settings(
    tenant_id: str,
    changes: dict[str, Any],
    tenants: TenantStore,
    mailing: TaskQueue | None = None,
    now: datetime | None = None,
    *,
    schemas: SchemaReader | None = None,
) -> dict[str, Any]:
    """Apply ``changes`` to the named fields only; an unknown field or a bad value changes nothing.
    Only the changes are checked, strictly (SettingsInput). A ``notification_email`` that needs
    confirming counts against the workspace's bound and the address's bound of workspaces a day
    (``email_confirmation.reserve_recipient``); beyond either: 429, nothing changed. Once stored, its
    confirmation mail is enqueued on ``mailing`` by name (a retry adds nothing); without ``mailing``
    the address stays unconfirmed. Sent ``triggers`` replace the stored map whole, checked against
    each source's schema read through ``schemas`` (:func:`resolved_triggers`)."""
    if not changes:
        raise InvalidInput("send at least one setting to change")
    unknown = sorted(set(changes) - set(TenantSettings.model_fields))
    if unknown:
        raise InvalidInput(f"unknown setting(s): {', '.join(unknown)}", unknown)
    validated = SettingsInput.model_validate(changes)
    if no_such := unknown_channels(
        validated.notification_channels if "notification_channels" in changes else []
    ):
        known = ", ".join(channel_names())
        raise InvalidInput(
            f"no such notification channel: {', '.join(no_such)} (one of {known})", ["notification_channels"]
        )
    checked = validated.model_dump(include=set(changes))
    if "triggers" in checked:
        checked["triggers"] = resolved_triggers(validated.triggers, schemas)
    now = now or datetime.now(UTC)
    asks = mailing is not None and "notification_email" in checked

    def changed(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("this workspace is not connected")
        if tenant.status == TenantStatus.REVOKED:
            raise Conflict("this workspace was disconnected: connect it again to change its settings")
        merged = tenant.settings.model_dump() | checked
        merged["triggers"] = _chosen_triggers(merged, "triggers" in checked)
        merged["daily_plan_sources"] = _plan_sources(tenant, merged, "daily_plan_sources" in checked)
        merged["trigger_page_ids"] = _trigger_pages(merged, "trigger_page_ids" in checked)
        settings = TenantSettings.model_validate(merged)
        check_budget_order(settings, set(checked))
        return tenant.model_copy(update={"settings": settings, "updated_at": now})

    def change(tenant: Tenant | None) -> Tenant:
        return email_confirmation.admit(changed(tenant), now) if asks else changed(tenant)

    if asks:  # both bounds, the workspace's on what was just read first, before anything is stored:
        # a change the workspace's bound refuses must not take a place among the address's asks
        email_confirmation.reserve_recipient(change(tenants.get(tenant_id)), tenants, now)
    tenant = tenants.update(tenant_id, change)
    if asks and mailing is not None:
        email_confirmation.ask(tenant, mailing, now)
    return _shown(tenant)


def code_policies(tenant_id: str, tenants: TenantStore) -> list[dict[str, Any]]:
    """Each repository the owner allowed with its policy as set (the defaults where none was)."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    settings = tenant.settings
    return [
        {
            "repository": repo,
            "policy": (settings.code_policies.get(repo) or CodePolicy()).model_dump(mode="json"),
        }
        for repo in settings.github_repositories
    ]


def set_code_policy(
    tenant_id: str, repository: str, policy: CodePolicy, tenants: TenantStore
) -> dict[str, Any]:
    """``repository``'s policy becomes ``policy``, in one read-and-write of the workspace (another
    repository's policy, changed meanwhile, is kept). A repository the owner did not allow: NotFound."""

    def change(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("this workspace is not connected")
        if tenant.status == TenantStatus.REVOKED:
            raise Conflict("this workspace was disconnected: connect it again to change its settings")
        if repository not in tenant.settings.github_repositories:
            raise NotFound(
                f"{repository} is not one of this workspace's repositories (settings: github_repositories)"
            )
        policies = tenant.settings.code_policies | {repository: policy}
        settings = tenant.settings.model_copy(update={"code_policies": policies})
        return tenant.model_copy(update={"settings": settings, "updated_at": datetime.now(UTC)})

    tenants.update(tenant_id, change)
    return {"repository": repository, "policy": policy.model_dump(mode="json")}
