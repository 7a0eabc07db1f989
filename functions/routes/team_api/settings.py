"""Settings: what the owner chose (data sources that start work, planning hour, budgets, ...)."""

from functions._http import Reply, json_object
from functions.routes import Call
from shared.memory.services.workspace_index import index_the_choice
from shared.platform.errors import Forbidden
from shared.team.services.tenant_settings import change_settings, read_settings


def get_settings(call: Call) -> Reply:
    return read_settings(call.tenant_id, call.container.workspace.tenants), 200


def patch_settings(call: Call) -> Reply:
    changes = json_object(call.request, "the body must be a JSON object of the settings to change")
    if "code_policies" in changes and call.role != "owner":  # auto-merge among them: the owner's alone
        raise Forbidden("only the workspace's owner sets repositories' policies (code_policies)")
    container = call.container
    schemas = container.notion.data_source_schemas(call.tenant_id)
    shown = change_settings(
        call.tenant_id, changes, container.workspace.tenants, container.platform.queue, schemas=schemas
    )
    index_the_choice(
        container.engine(with_model=False), container.workspace.tenants, call.tenant_id, changes
    )  # Ask finds them now
    return shown, 200
