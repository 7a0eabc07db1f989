"""The api's routes of the sync capability (shared.sync): Linear's, GitLab's and Motion's connections, their user
mappings, their sync logs, and their webhook intakes (public: each Linear delivery is signed, each
GitLab delivery carries our secret token). The table (functions.routes.table) lists them where
:data:`SYNC_ROUTES` stands."""

from typing import Any

from functions.routes import Handler, Route
from functions.routes.rows import Tag
from functions.routes.sync_api import gitlab, linear, motion

_sync = Tag("sync", session_only=True)
_M = "sync_api.models."  # the models' module, for the contract
# What each route says (its summary in the contract).
_WORDS = {
    "status": "Whether Linear is connected, to which team and Notion data source",
    "connect": "Connect a Linear team with an API key (checked with Linear, a webhook made there)",
    "disconnect": "Disconnect Linear: its webhook deleted there, our secrets and record deleted",
    "people": "Set the user mapping: each person's email to their Notion user id",
    "log": "The sync log: fields changed on both sides and which side's value was kept",
    "hook": "Linear's signed webhook deliveries (Linear-Signature, Linear-Delivery, webhookTimestamp)",
    "gitlab status": "Whether GitLab is connected, to which instance, project and Notion data source",
    "gitlab connect": "Connect a GitLab project with an access token (checked with GitLab, a webhook made "
    "there); gitlab.com or a self-managed https base URL",
    "gitlab disconnect": "Disconnect GitLab: its webhook deleted there, our secrets and record deleted",
    "gitlab log": "GitLab's sync log: fields changed on both sides and which side's value was kept",
    "motion status": "Whether Motion is connected, to which workspace and Notion data source",
    "motion connect": "Connect a Motion workspace with an API key (checked with Motion; its tasks polled, "
    "no webhook)",
    "motion disconnect": "Disconnect Motion: our secret and record deleted",
    "motion log": "Motion's sync log: fields changed on both sides and which side's value was kept",
    "gitlab hook": "GitLab's webhook deliveries (X-Gitlab-Token, Idempotency-Key or X-Gitlab-Event-UUID)",
}

_ADMIN = {"role": "admin"}
# (route, handler, words, answer's model, the rest): one row per route of a session (or a key: the log).
_ROWS: tuple[tuple[str, Handler, str, str, dict[str, Any]], ...] = (
    ("GET /sync/linear", linear.get_linear, "status", "LinearStatus", {"role": "viewer"}),
    (
        "PUT /sync/linear",
        linear.put_linear,
        "connect",
        "LinearStatus",
        _ADMIN | {"body": f"{_M}LinearKey", "refusals": (409, 503)},
    ),
    (
        "DELETE /sync/linear",
        linear.delete_linear,
        "disconnect",
        "LinearDisconnected",
        _ADMIN | {"refusals": (503,)},
    ),
    (
        "PUT /sync/linear/people",
        linear.put_people,
        "people",
        "PeopleMap",
        _ADMIN | {"body": f"{_M}PeopleMap", "refusals": (409,)},
    ),
    ("GET /sync/linear/log", linear.get_log, "log", "SyncLog", {"role": "viewer", "session_only": False}),
    ("GET /sync/gitlab", gitlab.get_gitlab, "gitlab status", "GitLabStatus", {"role": "viewer"}),
    (
        "PUT /sync/gitlab",
        gitlab.put_gitlab,
        "gitlab connect",
        "GitLabStatus",
        _ADMIN | {"body": f"{_M}GitLabToken", "refusals": (409, 503)},
    ),
    (
        "DELETE /sync/gitlab",
        gitlab.delete_gitlab,
        "gitlab disconnect",
        "GitLabDisconnected",
        _ADMIN | {"refusals": (503,)},
    ),
    (
        "PUT /sync/gitlab/people",
        gitlab.put_people,
        "people",
        "PeopleMap",
        _ADMIN | {"body": f"{_M}PeopleMap", "refusals": (409,)},
    ),
    (
        "GET /sync/gitlab/log",
        gitlab.get_log,
        "gitlab log",
        "GitLabSyncLog",
        {"role": "viewer", "session_only": False},
    ),
    ("GET /sync/motion", motion.get_motion, "motion status", "MotionStatus", {"role": "viewer"}),
    (
        "PUT /sync/motion",
        motion.put_motion,
        "motion connect",
        "MotionStatus",
        _ADMIN | {"body": f"{_M}MotionKey", "refusals": (409, 503)},
    ),
    (
        "DELETE /sync/motion",
        motion.delete_motion,
        "motion disconnect",
        "MotionDisconnected",
        _ADMIN | {"refusals": (503,)},
    ),
    (
        "PUT /sync/motion/people",
        motion.put_people,
        "people",
        "PeopleMap",
        _ADMIN | {"body": f"{_M}PeopleMap", "refusals": (409,)},
    ),
    (
        "GET /sync/motion/log",
        motion.get_log,
        "motion log",
        "MotionSyncLog",
        {"role": "viewer", "session_only": False},
    ),
)

SYNC_ROUTES: list[Route] = [
    *(
        _sync(spec, handler, _WORDS[words], {200: _M + answer}, **rest)
        for spec, handler, words, answer, rest in _ROWS
    ),
    Tag("sync", public=True)(
        "POST /sync/linear/webhook/<tenant_id>",
        linear.post_webhook,
        _WORDS["hook"],
        {200: f"{_M}LinearDelivery"},
        refusals=(401, 404, 409, 413),
    ),
    Tag("sync", public=True)(
        "POST /sync/gitlab/webhook/<tenant_id>",
        gitlab.post_webhook,
        _WORDS["gitlab hook"],
        {200: f"{_M}GitLabDelivery"},
        refusals=(401, 404, 409, 413),
    ),
]
