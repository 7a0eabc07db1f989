"""The token of a decision link as notify mints it (``shared.notify.services.links``), for tests that use one."""

from typing import Any

from shared.notify.domain.notifications import Links
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services import links
from shared.notify.services.links import LinkMinter
from shared.platform.config import PlatformSecret


def decision_token(
    deps: Any, tenant_id: str, run_id: str, request_id: str, decision: str, *, epoch: str
) -> str:
    """``deps``: anything with ``secrets`` and ``settings`` (a Deps, a container)."""
    key = deps.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    ttl_s = deps.settings.approval_link_ttl_s
    return links.decision_token(key, tenant_id, run_id, request_id, decision, epoch=epoch, ttl_s=ttl_s)


def mailed(container: Any, task: NotifyTask) -> Links:
    """The links notify mails for ``task`` now: minted as it sends, from the tenant as stored.
    ``container``: anything with ``secrets``, ``settings`` and ``tenants`` (or ``need_tenants``)."""
    tenants = container.need_tenants() if hasattr(container, "need_tenants") else container.tenants
    tenant = tenants.get(task.tenant_id, fresh=True)
    assert tenant is not None
    settings = container.settings
    return LinkMinter(container.secrets, settings.api_url, settings.approval_link_ttl_s).links(task, tenant)


def fragment(url: str) -> str:
    """A mailed link's token: its fragment (the path before it holds none)."""
    path, _, token = url.partition("#")
    assert token and token not in path
    return token


def decision_tokens(container: Any, task: NotifyTask) -> tuple[str, str]:
    """The approve and reject tokens of the links notify mails for a decision's ``task``."""
    links = mailed(container, task)
    return fragment(links.approve), fragment(links.reject)
