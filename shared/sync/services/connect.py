"""Connecting and disconnecting a tenant's Linear team or GitLab project. The key is shown to the tool
first: one it refuses is a 400 and nothing is stored. Then the key and a webhook secret we draw go to
Secret Manager, the tool makes a webhook of the issues to our intake, and ``tenants/{t}/sync/<tool>``
records the team or project, the data source and the webhook (no secret). Disconnect deletes the
webhook at the tool while the key works, then our secrets and the record; it may be repeated. A
GitLab instance's base URL is checked before any request goes to it (https, a public host)."""

from __future__ import annotations

import re
import secrets as random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform import errors
from shared.platform.topology import Queue
from shared.sync.domain.connection import (
    TOOL_NAMES,
    GitLabConnection,
    LinearConnection,
    Tool,
    ToolConnection,
    hook_secret,
    key_secret,
)
from shared.sync.domain.instance_url import GITLAB_COM, normalise, public_problem
from shared.sync.domain.sync_task import SyncTask, scan_task_name
from shared.sync.services.oauth import OAuthParts, current_key, revoke_grant
from shared.team.services.sessions import require_connected

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.sync.ports import GitLabApi, GitLabStore, LinearApi, SyncStore, ToolStore
    from shared.workspace.ports import TenantStore

KEY_FORM = re.compile(r"[\x21-\x7e]{8,200}")
_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
COPY = "copy_other_tools"  # a connect's choice: tasks made in the other trackers copied to this one too
_SOURCE = re.compile(r"[0-9a-fA-F-]{32,36}")


class Linking(NamedTuple):
    """What connecting uses."""

    tenants: TenantStore
    secrets: SecretStore
    store: SyncStore
    linear: LinearApi
    queue: TaskQueue
    webhook_url: Callable[[str], str]  # tenant id → our intake's public URL for it
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    oauth: OAuthParts | None = None  # the deployment's OAuth apps (refresh, revoke)


def connect_linear(tenant_id: str, body: dict[str, Any], deps: Linking) -> dict[str, Any]:
    """Check ``body`` (``api_key``, ``team_id``, optional ``data_source_id``) with Linear, then store
    and hook it as the module says: ``{tool, connected, account, team, data_source_id}``."""
    only_fields(body, ("api_key", "team_id", "data_source_id", COPY))
    key = body.get("api_key")
    params = linear_params({k: v for k, v in body.items() if k != "api_key"})
    if not isinstance(key, str) or not KEY_FORM.fullmatch(key):
        raise errors.InvalidInput(
            "api_key: a Linear API key is 8 to 200 printable characters, no spaces", ["api_key"]
        )
    revoke_grant(tenant_id, "linear", deps.secrets, deps.oauth)  # a key replaces an OAuth grant
    return link_linear(tenant_id, key, params, deps)


def only_fields(body: dict[str, Any], fields: tuple[str, ...]) -> None:
    """A 400 naming the fields of ``body`` that are none of ``fields`` (said in their order)."""
    unknown = set(body) - set(fields)
    if unknown:
        raise errors.InvalidInput(
            f"unknown fields {sorted(unknown)}; send {', '.join(fields)}", sorted(unknown)
        )


def linear_params(body: dict[str, Any]) -> dict[str, Any]:
    """``team_id`` and ``data_source_id`` (or None) of a Linear connect's body, checked (400s)."""
    only_fields(body, ("team_id", "data_source_id", COPY))
    team_id, source = body.get("team_id"), body.get("data_source_id")
    if not isinstance(team_id, str) or not _ID.fullmatch(team_id):
        raise errors.InvalidInput("team_id: the Linear team's id (a UUID)", ["team_id"])
    checked_source(source)
    return {"team_id": team_id, "data_source_id": source, COPY: copies(body)}


def copies(body: dict[str, Any]) -> bool:
    """A connect's choice to copy the other trackers' tasks to this tool too (off unless sent true)."""
    chosen = body.get(COPY, False)
    if not isinstance(chosen, bool):
        raise errors.InvalidInput(
            f"{COPY}: true to copy tasks made in another connected tracker to this one too, else false",
            [COPY],
        )
    return chosen


def link_linear(tenant_id: str, key: str, params: dict[str, Any], deps: Linking) -> dict[str, Any]:
    """Check the credential ``key`` (an API key, or ``Bearer`` and an OAuth token) and the team of
    ``params`` with Linear, then store and hook it as the module says."""
    team_id = params["team_id"]
    source = data_source(tenant_id, params.get("data_source_id"), deps.tenants)
    with refusals(
        Credential("Linear", "api_key", "key", "revoked or mistyped?"),
        ("team_id", "this key sees no Linear team of that id"),
    ):
        who = deps.linear.viewer(key)
        team = deps.linear.team(key, team_id)
    earlier = deps.store.connection(tenant_id)
    if earlier is not None and earlier.webhook_id:
        _unhook(deps, tenant_id, earlier.webhook_id)
    signing = random.token_hex(32)
    deps.secrets.put(key_secret(tenant_id), key)
    deps.secrets.put(hook_secret(tenant_id), signing)
    try:
        webhook_id = deps.linear.create_webhook(key, team_id, deps.webhook_url(tenant_id), signing)
    except (errors.PermanentError, errors.TransientError):
        deps.secrets.delete(key_secret(tenant_id))
        deps.secrets.delete(hook_secret(tenant_id))
        raise
    connection = LinearConnection(
        team_id=team["id"],
        team_name=team["name"],
        data_source_id=source.replace("-", ""),
        webhook_id=webhook_id,
        account=str(who.get("name") or ""),
        connected_at=deps.now(),
        copy_other_tools=bool(params.get(COPY)),
    )
    deps.store.save_connection(tenant_id, connection)
    now = deps.now()
    deps.queue.enqueue(
        Queue.PLAN, SyncTask(tenant_id=tenant_id, kind="scan", since=now), scan_task_name(tenant_id, now)
    )
    return {
        "tool": "linear",
        "connected": True,
        "account": connection.account,
        "team": {"id": team["id"], "name": team["name"]},
        "data_source_id": connection.data_source_id,
        COPY: connection.copy_other_tools,
    }


class Credential(NamedTuple):
    """How a connect's refusals name a tool's credential: the tool, the body's field, the word for it,
    and what may be wrong with it."""

    tool: str
    field: str
    noun: str
    why: str


@contextmanager
def refusals(credential: Credential, missing: tuple[str, str] | None = None) -> Iterator[None]:
    """The tool's refusals of a connect's checks as 400s naming the field, nothing stored yet:
    ``missing`` is the field and the words of a NotFound (the team or project the key does not see)."""
    c = credential
    try:
        yield
    except errors.Unauthenticated:
        raise errors.InvalidInput(
            f"{c.field}: {c.tool} refused this {c.noun} ({c.why}); nothing was stored", [c.field]
        ) from None
    except errors.NotFound:
        if missing is None:
            raise
        raise errors.InvalidInput(f"{missing[0]}: {missing[1]}; nothing was stored", [missing[0]]) from None
    except errors.PermanentError as exc:
        raise errors.InvalidInput(
            f"{c.tool} cannot be used with this {c.noun} ({exc.reason[:200]}); nothing was stored", [c.field]
        ) from None


def checked_source(source: object) -> None:
    """A 400 for a ``data_source_id`` that is given and is no Notion data source's id."""
    if source is not None and (not isinstance(source, str) or not _SOURCE.fullmatch(source)):
        raise errors.InvalidInput(
            "data_source_id: a Notion data source's id (32 hex digits)", ["data_source_id"]
        )


def data_source(tenant_id: str, source: object, tenants: TenantStore) -> str:
    """The Notion data source to keep in step: ``source`` if given (checked), else the home's Tasks."""
    checked_source(source)
    tenant = require_connected(tenant_id, tenants)
    if source is None:
        tasks = tenant.home.tasks if tenant.home is not None else None
        if tasks is None:
            raise errors.Conflict(
                "the agent's home has no Tasks database yet: set up the home, or send data_source_id"
            )
        source = tasks.data_source_id
    return str(source)


def disconnect_linear(tenant_id: str, deps: Linking) -> dict[str, Any]:
    """Delete the webhook at Linear (while the key works), our secrets and the record; repeatable."""
    connection = deps.store.connection(tenant_id)
    deleted = connection is not None and bool(connection.webhook_id)
    deleted = deleted and connection is not None and _unhook(deps, tenant_id, connection.webhook_id)
    revoked = revoke_grant(tenant_id, "linear", deps.secrets, deps.oauth)
    return said_revoked(forget(tenant_id, "linear", deps.store, deps.secrets, deleted), "linear", revoked)


def said_revoked(answer: dict[str, Any], tool: Tool, revoked: bool | None) -> dict[str, Any]:
    """A disconnect's answer with whether the OAuth token was revoked at the tool (a key's: as is)."""
    if revoked is None:
        return answer
    answer = answer | {"token_revoked": revoked}
    if not revoked:
        answer["note"] = (
            f"{TOOL_NAMES[tool]} did not confirm revoking our access; our copy is deleted all the same. "
            f"Remove this app under {TOOL_NAMES[tool]}'s authorized applications to be sure."
        )
    return answer


def forget(
    tenant_id: str, tool: Tool, store: ToolStore[Any], secrets: SecretStore, deleted: bool
) -> dict[str, Any]:
    """Delete the tool's record and secrets: the disconnect's answer."""
    store.delete_connection(tenant_id)
    secrets.delete(key_secret(tenant_id, tool))
    secrets.delete(hook_secret(tenant_id, tool))
    return {"tool": tool, "connected": False, "webhook_deleted": deleted}


_EMAIL = re.compile(r"[!-?A-~]{1,64}@[!-?A-~]{1,190}")  # printable ASCII, one @ (as the contract says)
_USER = re.compile(r"[0-9a-fA-F-]{32,36}")
MAX_PEOPLE = 500


def set_people(
    tenant_id: str, body: dict[str, Any], store: ToolStore[Any], tool: Tool = "linear"
) -> dict[str, Any]:
    """Replace the user mapping with ``body["people"]`` (email → Notion user id): ``{people}``."""
    people = body.get("people") if set(body) == {"people"} else None
    if not isinstance(people, dict) or len(people) > MAX_PEOPLE:
        raise errors.InvalidInput(
            f'the body must be {{"people": {{"<email>": "<Notion user id>"}}}}, at most {MAX_PEOPLE}',
            ["people"],
        )
    for email, user_id in people.items():
        if not _EMAIL.fullmatch(email) or not isinstance(user_id, str) or not _USER.fullmatch(user_id):
            raise errors.InvalidInput(
                f"people: {email[:80]!r} must be an email mapped to a Notion user id", ["people"]
            )
    connection = store.connection(tenant_id)
    if connection is None:
        raise errors.Conflict(f"{TOOL_NAMES[tool]} is not connected: PUT /sync/{tool} first")
    mapping = {email.lower(): user_id.replace("-", "") for email, user_id in people.items()}
    store.save_connection(tenant_id, connection.model_copy(update={"people": mapping}))
    return {"people": mapping}


def linear_status(tenant_id: str, store: SyncStore) -> dict[str, Any]:
    """Whether Linear is connected, to which team and data source (never the key)."""
    connection = store.connection(tenant_id)
    team = {"id": connection.team_id, "name": connection.team_name} if connection else None
    return shown("linear", connection, {"team": team})


def shown(tool: Tool, connection: ToolConnection | None, where: dict[str, Any]) -> dict[str, Any]:
    """A tool's status: not connected, or the account, ``where`` (its team, project or workspace), the
    data source, when, and why that has no ``Sync ID`` column if so (never a secret)."""
    if connection is None:
        return {"tool": tool, "connected": False}
    return {
        "tool": tool,
        "connected": True,
        "account": connection.account,
        **where,
        "data_source_id": connection.data_source_id,
        "connected_at": connection.connected_at,
        "sync_id_note": connection.sync_id_note or None,  # why the data source has no Sync ID column
        COPY: connection.copy_other_tools,
    }


def _unhook(deps: Linking, tenant_id: str, webhook_id: str) -> bool:
    """Delete our webhook at Linear with the stored key; False when that cannot be done now."""
    try:
        deps.linear.delete_webhook(current_key(tenant_id, "linear", deps.secrets, deps.oauth), webhook_id)
    except (errors.NotFound, errors.Unauthenticated, errors.PermanentError, errors.TransientError):
        return False
    return True


_PROJECT_PATH = re.compile(r"[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100}){1,20}")


class GitLabLinking(NamedTuple):
    """What connecting GitLab uses. ``allow_local``: the local stack's sandbox on loopback over http
    (never in production)."""

    tenants: TenantStore
    secrets: SecretStore
    store: GitLabStore
    gitlab: GitLabApi
    queue: TaskQueue
    webhook_url: Callable[[str], str]  # tenant id → our intake's public URL for it
    allow_local: bool = False
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    oauth: OAuthParts | None = None  # the deployment's OAuth apps (refresh, revoke)


def _gitlab_body(body: dict[str, Any], deps: GitLabLinking) -> tuple[str, str | int, str]:
    """``(access_token, project, base_url)`` of a connect's body, checked (a 400 naming the field)."""
    only_fields(body, ("access_token", "project", "base_url", "data_source_id", COPY))
    token, project = body.get("access_token"), body.get("project")
    if not isinstance(token, str) or not KEY_FORM.fullmatch(token):
        raise errors.InvalidInput(
            "access_token: a GitLab access token is 8 to 200 printable characters, no spaces",
            ["access_token"],
        )
    project = _project_ref(project)
    checked = normalise(body.get("base_url", GITLAB_COM), deps.allow_local)
    if isinstance(checked, str):
        raise errors.InvalidInput(checked, ["base_url"])
    base, host = checked
    problem = public_problem(deps.gitlab.addresses(host), deps.allow_local)
    if problem:
        raise errors.InvalidInput(problem, ["base_url"])
    return token, project, base


def _project_ref(project: object) -> str | int:
    """A GitLab project's id (a number) or path, checked (a 400 naming ``project``)."""
    if isinstance(project, str) and project.isdigit() and len(project) <= 15:
        project = int(project)
    if isinstance(project, float) and project.is_integer():  # JSON's 7.0 is the integer 7
        project = int(project)
    good_id = isinstance(project, int) and not isinstance(project, bool) and 0 < project < 2**53
    if not good_id and not (isinstance(project, str) and _PROJECT_PATH.fullmatch(project)):
        raise errors.InvalidInput(
            "project: the GitLab project's id (a number) or its path, e.g. group/project", ["project"]
        )
    return project if isinstance(project, int) else str(project)


def connect_gitlab(tenant_id: str, body: dict[str, Any], deps: GitLabLinking) -> dict[str, Any]:
    """Check ``body`` (``access_token``, ``project``, optional ``base_url`` (gitlab.com) and
    ``data_source_id``) with GitLab, then store and hook it as the module says:
    ``{tool, connected, account, base_url, project, data_source_id}``."""
    token, project_ref, base = _gitlab_body(body, deps)
    revoke_grant(tenant_id, "gitlab", deps.secrets, deps.oauth)  # a token replaces an OAuth grant
    where = (project_ref, base, body.get("data_source_id"), copies(body))
    return link_gitlab(tenant_id, token, where, deps)


def gitlab_params(body: dict[str, Any]) -> dict[str, Any]:
    """``project`` (its id or path) and ``data_source_id`` (or None) of an OAuth connect's body (400s)."""
    only_fields(body, ("project", "data_source_id", COPY))
    project = _project_ref(body.get("project"))
    source = body.get("data_source_id")
    checked_source(source)
    return {"project": project, "data_source_id": source, COPY: copies(body)}


def link_gitlab(
    tenant_id: str, token: str, where: tuple[str | int, str, object, bool], deps: GitLabLinking
) -> dict[str, Any]:
    """Check ``token`` and the project of ``where`` (project, base URL, data source, whether other
    trackers' tasks are copied to it) with GitLab, then store and hook it as the module says."""
    project_ref, base, wanted, copy = where
    source = data_source(tenant_id, wanted, deps.tenants)
    try:
        with refusals(
            Credential("GitLab", "access_token", "token", "revoked, expired or mistyped?"),
            ("project", "this token sees no GitLab project of that id or path"),
        ):
            who = deps.gitlab.user(base, token)
            project = deps.gitlab.project(base, token, project_ref)
            members = deps.gitlab.members(base, token, project["id"])
    except errors.TransientError:
        if base == GITLAB_COM:
            raise  # gitlab.com unreachable: ours to retry, a 503
        raise errors.InvalidInput(  # the address the person gave: theirs to check
            "base_url: no GitLab answered at this address (is it the instance's public address?); "
            "nothing was stored",
            ["base_url"],
        ) from None
    earlier = deps.store.connection(tenant_id)
    if earlier is not None and earlier.webhook_id:
        _unhook_gitlab(deps, tenant_id, earlier)
    secret = random.token_hex(32)
    deps.secrets.put(key_secret(tenant_id, "gitlab"), token)
    deps.secrets.put(hook_secret(tenant_id, "gitlab"), secret)
    try:
        hook_id = deps.gitlab.create_hook(base, token, project["id"], deps.webhook_url(tenant_id), secret)
    except (errors.PermanentError, errors.TransientError) as exc:
        deps.secrets.delete(key_secret(tenant_id, "gitlab"))
        deps.secrets.delete(hook_secret(tenant_id, "gitlab"))
        if isinstance(exc, errors.PermanentError):
            raise errors.InvalidInput(
                "GitLab refused to make the project's webhook: the token needs the api scope and the "
                "Maintainer role in the project; nothing was stored",
                ["access_token"],
            ) from None
        raise
    connection = GitLabConnection(
        base_url=base,
        project_id=project["id"],
        project_path=project["path_with_namespace"],
        user_id=who["id"],
        members=members,
        data_source_id=source.replace("-", ""),
        webhook_id=hook_id,
        account=str(who.get("username") or who.get("name") or ""),
        connected_at=deps.now(),
        copy_other_tools=copy,
    )
    start(tenant_id, "gitlab", connection, deps.store, (deps.queue, deps.now()))
    return gitlab_status(tenant_id, deps.store)


def start(
    tenant_id: str, tool: Tool, connection: Any, store: ToolStore[Any], when: tuple[TaskQueue, datetime]
) -> None:
    """Keep the tool's new connection and queue its first scan (``when``: the queue, and now)."""
    queue, now = when
    store.save_connection(tenant_id, connection)
    queue.enqueue(
        Queue.PLAN,
        SyncTask(tenant_id=tenant_id, kind="scan", since=now, tool=tool),
        scan_task_name(tenant_id, now, tool),
    )


def disconnect_gitlab(tenant_id: str, deps: GitLabLinking) -> dict[str, Any]:
    """Delete the webhook at GitLab (while the token works), our secrets and the record; repeatable."""
    connection = deps.store.connection(tenant_id)
    deleted = connection is not None and bool(connection.webhook_id)
    deleted = deleted and connection is not None and _unhook_gitlab(deps, tenant_id, connection)
    revoked = revoke_grant(tenant_id, "gitlab", deps.secrets, deps.oauth)
    return said_revoked(forget(tenant_id, "gitlab", deps.store, deps.secrets, deleted), "gitlab", revoked)


def gitlab_status(tenant_id: str, store: GitLabStore) -> dict[str, Any]:
    """Whether GitLab is connected, to which instance, project and data source (never the token)."""
    c = store.connection(tenant_id)
    project = {"id": c.project_id, "path": c.project_path} if c else None
    return shown("gitlab", c, {"base_url": c.base_url if c else None, "project": project})


def _unhook_gitlab(deps: GitLabLinking, tenant_id: str, connection: GitLabConnection) -> bool:
    """Delete our webhook at GitLab with the stored token; False when that cannot be done now."""
    try:
        token = current_key(tenant_id, "gitlab", deps.secrets, deps.oauth)
        deps.gitlab.delete_hook(connection.base_url, token, connection.project_id, connection.webhook_id)
    except (errors.NotFound, errors.Unauthenticated, errors.PermanentError, errors.TransientError):
        return False
    return True
