"""Notion calls on behalf of a tenant with its current token, refreshed on 401, or a reconnect asked for.

``access.run(tenant_id, lambda token: notion.with_token(token).retrieve_page(page_id))`` calls the operation
with the token and returns its result; ``access.session(tenant_id)`` loads the tenant and token once
for several calls. The operation must finish its Notion requests inside the call (``list(...)`` a
paginated iterator), so a 401 is seen here. The rules for a 401: :class:`NotionAccess`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from shared.notify.domain.notify_task import NotifyTask
from shared.platform.config import PlatformSecret
from shared.platform.errors import ConfigError, NotFound, PermanentError, TransientError, Unauthenticated
from shared.platform.topology import Queue
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.tenants import Tenant, TenantStatus

if TYPE_CHECKING:
    from shared.notion.ports import NotionClient, NotionOAuth
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.workspace.ports import TenantStore

REFRESH_LEASE = timedelta(seconds=30)  # one refresh and one secret version: seconds at worst
REFRESH_WAIT_S = 5.0  # how soon an instance that found the lease held tries again (at most)


class ReconnectRequired(PermanentError):
    """The tenant's Notion connection is gone; only its owner connecting again brings it back."""

    code = "reconnect_required"


def oauth_client(secrets: SecretStore) -> tuple[str, str]:
    """The integration's OAuth client id and secret, from the secret store."""
    try:
        return secrets.get(PlatformSecret.NOTION_CLIENT_ID), secrets.get(PlatformSecret.NOTION_CLIENT_SECRET)
    except NotFound as exc:
        raise ConfigError(
            f"set the platform secrets {PlatformSecret.NOTION_CLIENT_ID} and "
            f"{PlatformSecret.NOTION_CLIENT_SECRET} (the Notion integration's OAuth client)"
        ) from exc


class NotionAccess:
    """A tenant's Notion calls, and what a 401 (``Unauthenticated``) leads to, once per call.
    A newer token another instance stored is used. Else a refresh token is refreshed at Notion, stored as
    a new secret version, and the operation runs again. Without one, or refused, the tenant is marked
    ``needs_reconnect``, its owner told (at most once a day) and :class:`ReconnectRequired` raised, as
    for a revoked tenant up front. Notion's refresh tokens are single use, so one refresh per tenant runs
    at a time, under a conditioned ``token_refresh_until`` lease (:data:`REFRESH_LEASE`); another
    instance retries (TransientError). A connection replaced meanwhile is a TransientError, not a
    reconnect. Anything else the adapter raises passes through; an unknown tenant is NotFound."""

    def __init__(
        self, tenants: TenantStore, secrets: SecretStore, oauth: NotionOAuth, queue: TaskQueue
    ) -> None:
        self.tenants, self.secrets, self.oauth, self.queue = tenants, secrets, oauth, queue

    def session(self, tenant: str | Tenant) -> NotionSession:
        """The session of ``tenant``: its id (the tenant is read here), or the tenant as the caller has
        just read it in this request (read no second time)."""
        if isinstance(tenant, str):
            found = self.tenants.get(tenant)
            if found is None:
                raise NotFound(f"tenant {tenant} does not exist")
            tenant = found
        if tenant.status != TenantStatus.ACTIVE:
            raise ReconnectRequired(f"the workspace's Notion connection is {tenant.status.value}")
        try:
            tokens = NotionTokens.load(self.secrets.get(tenant.token_secret))
        except NotFound as exc:
            raise self.needs_reconnect(tenant, "its token secret is missing") from exc
        return NotionSession(self, tenant, tokens)

    def run[T](self, tenant_id: str, operation: Callable[[str], T]) -> T:
        return self.session(tenant_id).run(operation)

    def for_tenant(self, notion: NotionClient, tenant: str | Tenant) -> NotionForTenant:
        """``notion`` with the token of ``tenant`` (its id, or the tenant just read: ``session``): its
        session opens at the first call (a caller that never calls Notion reads no tenant and no
        secret) and serves every later one."""
        session: list[NotionSession] = []

        def run[T](operation: Callable[[str], T]) -> T:
            if not session:
                session.append(self.session(tenant))
            return session[0].run(operation)

        return NotionForTenant(notion, run)

    def newer_tokens(self, tenant: Tenant, failed: NotionTokens) -> NotionTokens:
        """Tokens newer than ``failed``: stored by another instance, or refreshed here (under the lease)."""
        current = self._stored(tenant)
        if current.access_token != failed.access_token:
            return current
        refresh_token = current.refresh_token
        if not refresh_token:
            raise self.needs_reconnect(tenant, "Notion refused its token and there is no refresh token")
        lease = self._take_lease(tenant)
        try:
            return self._refresh(tenant, current, refresh_token)
        finally:
            self._release_lease(tenant, lease)

    def _refresh(self, tenant: Tenant, current: NotionTokens, refresh_token: str) -> NotionTokens:
        latest = self._stored(tenant)  # the previous holder may have stored a new token meanwhile
        if latest.access_token != current.access_token:
            return latest
        client_id, client_secret = oauth_client(self.secrets)
        try:
            grant = self.oauth.refresh(client_id, client_secret, refresh_token)
        except (PermanentError, Unauthenticated) as exc:
            latest = self._stored(tenant)
            if latest.access_token != current.access_token:  # a holder whose lease had run out
                return latest
            raise self.needs_reconnect(tenant, "Notion refused to refresh its token") from exc
        tokens = NotionTokens(
            access_token=grant.access_token, refresh_token=grant.refresh_token or refresh_token
        )
        try:  # never create it: a secret gone meanwhile belonged to a connection that is over
            self.secrets.put(tenant.token_secret, tokens.dump(), create=False)
        except NotFound as exc:
            raise self.needs_reconnect(tenant, "its token secret is missing") from exc
        return tokens

    def _stored(self, tenant: Tenant) -> NotionTokens:
        try:
            return NotionTokens.load(self.secrets.get(tenant.token_secret, fresh=True))
        except NotFound as exc:
            raise self.needs_reconnect(tenant, "its token secret is missing") from exc

    def _take_lease(self, tenant: Tenant) -> datetime:
        """Take the tenant's refresh lease and return its end; TransientError while another holds it."""
        now = datetime.now(UTC)
        until = now + REFRESH_LEASE
        held: list[datetime] = []

        def take(stored: Tenant | None) -> Tenant:
            held.clear()  # called again when another write landed first
            current = stored or tenant
            other = current.token_refresh_until
            if current.status != TenantStatus.ACTIVE:
                return current
            if other is not None and other > now:
                held.append(other)
                return current
            return current.model_copy(update={"token_refresh_until": until})

        if self.tenants.update(tenant.tenant_id, take).status != TenantStatus.ACTIVE:
            raise ReconnectRequired("the workspace's Notion connection was ended meanwhile")
        if held:
            wait = min(REFRESH_WAIT_S, max(1.0, (held[0] - now).total_seconds()))
            raise TransientError(
                "another instance is refreshing the workspace's Notion token", retry_after_s=wait
            )
        return until

    def _release_lease(self, tenant: Tenant, until: datetime) -> None:
        def release(stored: Tenant | None) -> Tenant:
            current = stored or tenant
            if current.token_refresh_until != until:  # expired and taken by another: not ours
                return current
            return current.model_copy(update={"token_refresh_until": None})

        self.tenants.update(tenant.tenant_id, release)

    def needs_reconnect(self, tenant: Tenant, why: str) -> ReconnectRequired | TransientError:
        """Mark the tenant, notify its owner, and return the error to raise; unless the connection
        ``tenant`` names was replaced meanwhile: then nothing is marked and the error says to retry."""
        now = datetime.now(UTC)

        def mark(stored: Tenant | None) -> Tenant:  # as stored now: a disconnect stays one
            current = stored or tenant
            if current.status != TenantStatus.ACTIVE or current.token_secret != tenant.token_secret:
                return current  # disconnected, marked already, or connected again since
            return current.model_copy(update={"status": TenantStatus.NEEDS_RECONNECT, "updated_at": now})

        stored = self.tenants.update(tenant.tenant_id, mark)
        if stored.token_secret != tenant.token_secret and stored.status == TenantStatus.ACTIVE:
            return TransientError("the workspace was connected again meanwhile: retry with its new token")
        if stored.status == TenantStatus.REVOKED:  # disconnected: nobody is asked to reconnect
            return ReconnectRequired("the workspace was disconnected")
        # No channel named: the tenant's first that can carry it (not a comment: Notion is refused).
        notice = NotifyTask(
            notification_id=f"reconnect-{tenant.tenant_id}-{now:%Y%m%d}",
            tenant_id=tenant.tenant_id,
            subject="Reconnect your Notion workspace",
            text=f"The agent can no longer reach {tenant.workspace_name or 'your workspace'}: {why.rstrip(' .')}. "
            "Connect the workspace again to resume its work.",
            data={"kind": "reconnect", "workspace_id": tenant.workspace_id, "to": tenant.owner_email},
        )
        self.queue.enqueue(Queue.NOTIFY, notice, f"notify:{notice.notification_id}")
        return ReconnectRequired(f"the workspace's Notion connection was refused ({why}); owner notified")


class NotionSession:
    """One tenant's Notion token for the length of a step (see the module docstring)."""

    def __init__(self, access: NotionAccess, tenant: Tenant, tokens: NotionTokens) -> None:
        self.access, self.tenant, self.tokens = access, tenant, tokens

    def run[T](self, operation: Callable[[str], T]) -> T:
        try:
            return operation(self.tokens.access_token)
        except Unauthenticated:
            self.tokens = self.access.newer_tokens(self.tenant, self.tokens)
        try:
            return operation(self.tokens.access_token)
        except Unauthenticated as exc:
            raise self.access.needs_reconnect(self.tenant, "Notion refused a fresh token") from exc


type JSON = dict[str, Any]


class Runner(Protocol):
    """Calls an operation with the tenant's token and returns its result (``NotionSession.run``)."""

    def __call__[T](self, operation: Callable[[str], T]) -> T: ...


_END = object()


class NotionForTenant:
    """The Notion port for one tenant (``shared.notion.ports.TenantNotion``): each call runs inside ``run``,
    which supplies the token (``NotionSession.run``: refreshed once on a 401). A listing is read as the
    caller takes it (:func:`_read_lazily`), each request inside ``run``: a plan that wants ten rows of
    a data source of 30,000 makes one request, not 300."""

    def __init__(self, notion: NotionClient, run: Runner) -> None:
        self._notion, self._run = notion, run

    def _listing(self, start: Callable[[str], Iterator[JSON]]) -> Iterator[JSON]:
        self._run(start)  # opens the session now; the adapter's listing requests nothing until read
        return _read_lazily(start, self._run)

    def me(self) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).me())

    def search(self, query: str = "", filter: JSON | None = None) -> Iterator[JSON]:
        return self._listing(lambda token: self._notion.with_token(token).search(query, filter))

    def retrieve_page(self, page_id: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).retrieve_page(page_id))

    def create_page(self, parent: JSON, properties: JSON, children: list[JSON] | None = None) -> JSON:
        return self._run(
            lambda token: self._notion.with_token(token).create_page(parent, properties, children)
        )

    def update_page_properties(self, page_id: str, properties: JSON) -> JSON:
        return self._run(
            lambda token: self._notion.with_token(token).update_page_properties(page_id, properties)
        )

    def retrieve_data_source(self, data_source_id: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).retrieve_data_source(data_source_id))

    def update_data_source(self, data_source_id: str, properties: JSON) -> JSON:
        return self._run(
            lambda token: self._notion.with_token(token).update_data_source(data_source_id, properties)
        )

    def query_data_source(
        self, data_source_id: str, filter: JSON | None = None, sorts: list[JSON] | None = None
    ) -> Iterator[JSON]:
        return self._listing(
            lambda token: self._notion.with_token(token).query_data_source(data_source_id, filter, sorts)
        )

    def retrieve_database(self, database_id: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).retrieve_database(database_id))

    def list_children(self, block_id: str) -> Iterator[JSON]:
        return self._listing(lambda token: self._notion.with_token(token).list_children(block_id))

    def retrieve_markdown(self, page_id: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).retrieve_markdown(page_id))

    def append_blocks(self, block_id: str, blocks: list[JSON], after: str | None = None) -> list[JSON]:
        place = {"after": after} if after else {}  # the call as it was before ``after``, without one
        return self._run(
            lambda token: self._notion.with_token(token).append_blocks(block_id, blocks, **place)
        )

    def retrieve_block(self, block_id: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).retrieve_block(block_id))

    def move_page(self, page_id: str, parent_page_id: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).move_page(page_id, parent_page_id))

    def trash_page(self, page_id: str, in_trash: bool) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).trash_page(page_id, in_trash))

    def update_block(self, block_id: str, body: JSON) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).update_block(block_id, body))

    def delete_block(self, block_id: str) -> None:
        self._run(lambda token: self._notion.with_token(token).delete_block(block_id))

    def list_comments(self, block_id: str) -> Iterator[JSON]:
        return self._listing(lambda token: self._notion.with_token(token).list_comments(block_id))

    def get_comment(self, comment_id: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).get_comment(comment_id))

    def add_comment(self, page_id: str, text: str, discussion_id: str = "") -> JSON:
        thread = (discussion_id,) if discussion_id else ()  # a reply in a thread: an Ask's answer
        return self._run(lambda token: self._notion.with_token(token).add_comment(page_id, text, *thread))

    def update_comment(self, comment_id: str, text: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).update_comment(comment_id, text))

    def delete_comment(self, comment_id: str) -> JSON:
        return self._run(lambda token: self._notion.with_token(token).delete_comment(comment_id))

    def search_visible(
        self, query: str, start_cursor: str | None, page_size: int, kind: str | None = None
    ) -> JSON:
        return self._run(
            lambda token: self._notion.with_token(token).search_visible(query, start_cursor, page_size, kind)
        )

    def create_database(
        self, parent_page_id: str, title: str, properties: JSON, description: list[JSON] | None = None
    ) -> JSON:
        return self._run(
            lambda token: self._notion.with_token(token).create_database(
                parent_page_id, title, properties, description
            )
        )


def _read_lazily(start: Callable[[str], Iterator[Any]], run: Runner) -> Iterator[Any]:
    """The items of ``start(token)``, each taken inside ``run``, so the request that fetches a page
    does too and a 401 there is refreshed. A listing that raised cannot go on, so after a refresh it
    starts again with the new token and skips the items already taken (a rare re-read)."""
    taken = 0
    listing: tuple[str, Iterator[Any]] | None = None

    def take(token: str) -> Any:
        nonlocal listing
        if listing is None or listing[0] != token:
            listing = (token, islice(start(token), taken, None))
        try:
            return next(listing[1], _END)
        except BaseException:
            listing = None
            raise

    while (item := run(take)) is not _END:
        taken += 1
        yield item
