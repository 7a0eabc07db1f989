"""The api's routes of the sync capability (shared.sync): Linear's connection, the user mapping, the
sync log, and Linear's webhook intake (public: each delivery is signed). The table
(functions.routes.table) lists them where :data:`SYNC_ROUTES` stands."""

from functions.routes import Route
from functions.routes.rows import Tag
from functions.routes.sync_api import linear

_sync = Tag("sync", session_only=True)

SYNC_ROUTES: list[Route] = [
    _sync(
        "GET /sync/linear",
        linear.get_linear,
        "Whether Linear is connected, to which team and Notion data source",
        {200: "sync_api.models.LinearStatus"},
        role="viewer",
    ),
    _sync(
        "PUT /sync/linear",
        linear.put_linear,
        "Connect a Linear team with an API key (checked with Linear, a webhook made there)",
        {200: "sync_api.models.LinearStatus"},
        body="sync_api.models.LinearKey",
        refusals=(409, 503),
        role="admin",
    ),
    _sync(
        "DELETE /sync/linear",
        linear.delete_linear,
        "Disconnect Linear: its webhook deleted there, our secrets and record deleted",
        {200: "sync_api.models.LinearDisconnected"},
        refusals=(503,),
        role="admin",
    ),
    _sync(
        "PUT /sync/linear/people",
        linear.put_people,
        "Set the user mapping: each person's email to their Notion user id",
        {200: "sync_api.models.PeopleMap"},
        body="sync_api.models.PeopleMap",
        refusals=(409,),
        role="admin",
    ),
    _sync(
        "GET /sync/linear/log",
        linear.get_log,
        "The sync log: fields changed on both sides and which side's value was kept",
        {200: "sync_api.models.SyncLog"},
        session_only=False,
        role="viewer",
    ),
    Tag("sync", public=True)(
        "POST /sync/linear/webhook/<tenant_id>",
        linear.post_webhook,
        "Linear's signed webhook deliveries (Linear-Signature, Linear-Delivery, webhookTimestamp)",
        {200: "sync_api.models.LinearDelivery"},
        refusals=(401, 404, 409, 413),
    ),
]
