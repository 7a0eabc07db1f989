"""Slack's part of the composition root (Slack as a way in: shared.slack): where installs are kept,
Slack's Web API as the bot calls it, and the bundles that link a team and install the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.notify import Notify
    from shared.bootstrap.platform import Platform
    from shared.bootstrap.workspace import Workspace
    from shared.slack.ports import SlackInstalls, SlackWeb
    from shared.slack.services.install import SlackLinking
    from shared.slack.services.oauth import SlackOAuth


def _slack_web(part: Slack) -> SlackWeb:
    from shared.slack.adapters.slack_web import SlackWebApi

    s = part.instance.settings
    return SlackWebApi(s.slack_api_base_url.rstrip("/") + "/", int(s.slack_timeout_s))


class Slack:
    """Slack's ports: ``slack_teams`` in Firestore, and Slack's Web API through slack_sdk."""

    slack_installs: Built[SlackInstalls] = Built.firestore(
        "shared.slack.adapters.firestore_installs", "FirestoreSlackInstalls"
    )
    slack_web: Built[SlackWeb] = Built("shared.slack.adapters.slack_web", ("slack_sdk.web",), _slack_web)

    def __init__(self, instance: Instance, platform: Platform, workspace: Workspace, notify: Notify) -> None:
        self.instance, self._platform, self._workspace, self._notify = instance, platform, workspace, notify

    def linking(self) -> SlackLinking:
        """What connecting, disconnecting and uninstalling Slack use (the token checked by notify's chat)."""
        from shared.slack.services.install import SlackLinking

        return SlackLinking(
            self.slack_installs,
            self.slack_web,
            self._workspace.tenants,
            self._platform.secrets,
            self._notify.chat.account,
        )

    def oauth(self) -> SlackOAuth:
        """What installing the app with Slack's OAuth v2 uses, as the settings configure it."""
        from shared.slack.services.oauth import SlackOAuth

        s = self.instance.settings
        return SlackOAuth(
            self.linking(),
            self._workspace.oauth_states,
            s.slack_client_id,
            s.slack_api_base_url.rstrip("/").removesuffix("/api"),  # Slack's site: its install page
            s.api_url.rstrip("/") + "/slack/oauth/callback",
            s.frontend_url,
        )
