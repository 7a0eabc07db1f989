"""The settings' body and answer (``functions.routes.settings``)."""

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Schema
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.settings_input import SettingsInput
from shared.workspace.domain.tenants import TenantStatus
from shared.workspace.domain.triggers import Rule


class SettingsChange(SettingsInput):
    """The settings to change, at least one; the others keep their values (a JSON merge)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})


class SettingsView(Schema):
    """The owner's settings and what they imply."""

    status: TenantStatus
    settings: TenantSettings
    effective_triggers: dict[str, list[Rule]] = Field(
        description="The rules each chosen data source starts work by (its own, or the default ones)"
    )
    notification_email_confirmed: bool | None = Field(
        description="Whether notification_email gets mail; null without one"
    )


class RepositoryPolicy(Schema):
    """One repository the owner allowed, with its policy (the defaults where none was set)."""

    repository: str
    policy: CodePolicy


class RepositoryPolicies(Schema):
    repositories: list[RepositoryPolicy]
