"""Slack's part of the composition root (Slack as a way in: shared.slack): where installs are kept and
Slack's Web API as the bot calls it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.slack.ports import SlackInstalls, SlackWeb


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

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
