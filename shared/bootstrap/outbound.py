"""The outbound part of the composition root: webhook endpoints' and deliveries' store, the HTTP
sender, and what registering and delivering use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.platform import Platform
    from shared.bootstrap.workspace import Workspace
    from shared.outbound.ports import HookSender, HookStore
    from shared.outbound.services.hooks import Hooks


def _sender(part: Any) -> HookSender:
    from shared.outbound.adapters.http_sender import HttpHookSender

    return HttpHookSender()


class Outbound:
    """The endpoints' store and the sender."""

    hooks: Built[HookStore] = Built.firestore("shared.outbound.adapters.firestore_hooks", "FirestoreHooks")
    hook_sender: Built[HookSender] = Built("shared.outbound.adapters.http_sender", ("httpx",), _sender)

    def __init__(self, instance: Instance, platform: Platform, workspace: Workspace) -> None:
        self.instance, self.platform, self.workspace = instance, platform, workspace

    def delivering(self) -> Hooks:
        """What the outbound routes and notify's ``/outbound`` tasks use, with the settings as they are now."""
        from shared.outbound.services.hooks import Hooks

        return Hooks(
            self.hooks,
            self.platform.secrets,
            self.hook_sender,
            self.platform.queue,
            self.workspace.tenants,
            allow_loopback=self.instance.settings.hooks_allow_loopback,
        )
