"""The api's routes of the sync capability (shared.sync): Linear's, GitLab's and Motion's connections,
their user mappings and sync logs (:mod:`.tools`, one row a tool). Also the public webhooks of
Linear (each delivery signed) and GitLab (each carrying our secret token); Motion's changes are polled.
Each key is checked with its tool, kept in Secret Manager and never echoed. The table
(functions.routes.table) lists them where :data:`SYNC_ROUTES` stands."""

from typing import Any

from functions.routes import Handler, Route
from functions.routes.rows import MOVED, Tag
from functions.routes.sync_api import oauth
from functions.routes.sync_api.tools import GITLAB, LINEAR, MOTION, ToolRoutes, gitlab_webhook, linear_webhook

_sync = Tag("sync", session_only=True)
_M = "sync_api.models."  # the models' module, for the contract
# What each route says (its summary in the contract).
_WORDS = {
    "linear status": "Whether Linear is connected, to which team and Notion data source",
    "linear connect": "Connect a Linear team with an API key (checked with Linear, a webhook made there)",
    "linear disconnect": "Disconnect Linear: its webhook deleted there, our secrets and record deleted",
    "people": "Set the user mapping: each person's email to their Notion user id",
    "linear log": "The sync log: fields changed on both sides and which side's value was kept",
    "linear hook": "Linear's signed webhook deliveries (Linear-Signature, Linear-Delivery, webhookTimestamp)",
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
    "linear oauth": "Connect Linear with the deployment's OAuth app: Linear's authorize URL (a signed state, PKCE)",
    "linear callback": "Linear's OAuth redirect: the code exchanged, Linear connected, the browser sent to the console",
    "gitlab oauth": "Connect GitLab with the deployment's OAuth app: GitLab's authorize URL (a signed state, PKCE)",
    "gitlab callback": "GitLab's OAuth redirect: the code exchanged, GitLab connected, the browser sent to the console",
}


_ADMIN: dict[str, Any] = {"role": "admin"}
_hook = Tag("sync", public=True)  # a tool's webhook: its deliveries are signed or carry our token
_SIGNED = (401, 404, 409, 413)


def _body(model: str, *refusals: int) -> dict[str, Any]:
    """A route's body (``model``, "" for none) and the refusals beyond those it implies."""
    return {"body": _M + model if model else "", "refusals": refusals}


def _tool(routes: ToolRoutes[Any], name: str, key: str, log: str) -> list[Route]:
    """A tool's five routes (:class:`ToolRoutes`): ``name`` begins its status's and disconnect's
    models, ``key`` is its connect body's model and ``log`` its log's; each keeps its operationId."""
    tool, status, gone, people = routes.tool, f"{name}Status", f"{name}Disconnected", "PeopleMap"
    # (method, path's tail, handler, operationId's name, words, answer's model, the rest)
    rows: tuple[tuple[str, str, Handler, str, str, str, dict[str, Any]], ...] = (
        ("GET", "", routes.get, f"get_{tool}", f"{tool} status", status, {"role": "viewer"}),
        ("PUT", "", routes.put, f"put_{tool}", f"{tool} connect", status, _ADMIN | _body(key, 409, 503)),
        ("DELETE", "", routes.delete, f"delete_{tool}", f"{tool} disconnect", gone, _ADMIN | _body("", 503)),
        ("PUT", "/people", routes.people, "put_people", "people", people, _ADMIN | _body(people, 409)),
        ("GET", "/log", routes.log, "get_log", f"{tool} log", log, {"role": "viewer", "session_only": False}),
    )
    return [
        _sync(
            f"{method} /sync/{tool}{tail}",
            handler,
            _WORDS[words],
            {200: _M + answer},
            operation=f"{tool}_{op}",
            **rest,
        )
        for method, tail, handler, op, words, answer, rest in rows
    ]


SYNC_ROUTES: list[Route] = [
    *_tool(LINEAR, "Linear", "LinearKey", "SyncLog"),
    *_tool(GITLAB, "GitLab", "GitLabToken", "GitLabSyncLog"),
    *_tool(MOTION, "Motion", "MotionKey", "MotionSyncLog"),
    *(
        _hook(
            f"POST /sync/{tool}/webhook/<tenant_id>",
            handler,
            _WORDS[f"{tool} hook"],
            {200: _M + answer},
            refusals=_SIGNED,
            operation=f"{tool}_post_webhook",
        )
        for tool, handler, answer in (
            ("linear", linear_webhook, "LinearDelivery"),
            ("gitlab", gitlab_webhook, "GitLabDelivery"),
        )
    ),
    *(
        route
        for tool, name, start, back in (
            ("linear", "Linear", oauth.post_linear, oauth.get_linear_callback),
            ("gitlab", "GitLab", oauth.post_gitlab, oauth.get_gitlab_callback),
        )
        for route in (
            _sync(
                f"POST /sync/{tool}/oauth",
                start,
                _WORDS[f"{tool} oauth"],
                {200: _M + "OAuthStart"},
                operation=f"{tool}_oauth_start",
                **_ADMIN,
                **_body(f"{name}OAuthStart", 409),
            ),
            _sync(
                f"GET /sync/{tool}/oauth/callback",
                back,
                _WORDS[f"{tool} callback"],
                MOVED,
                operation=f"{tool}_oauth_callback",
                role="admin",
                paced=False,
                query=_M + "OAuthCallbackQuery",
                refusals=(400, 409, 503),
            ),
        )
    ),
]
