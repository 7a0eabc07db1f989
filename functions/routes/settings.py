"""Settings: what the owner chose (data sources that start work, planning hour, budgets, ...)."""

from pydantic import ConfigDict, Field

from functions._http import Reply, json_object
from functions.routes import Call
from shared.domain.schema import Schema
from shared.domain.settings import TenantSettings
from shared.domain.settings_input import SettingsInput
from shared.domain.tenants import TenantStatus
from shared.domain.triggers import Rule
from shared.services.tenant_settings import change_settings, read_settings


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


def get_settings(call: Call) -> Reply:
    return read_settings(call.tenant_id, call.container.tenants), 200


def patch_settings(call: Call) -> Reply:
    changes = json_object(call.request, "the body must be a JSON object of the settings to change")
    container = call.container
    schemas = container.data_source_schemas(call.tenant_id)
    return change_settings(call.tenant_id, changes, container.tenants, container.queue, schemas=schemas), 200
