"""deploy/slack-manifest.yaml, the Slack app an operator creates, asks for the scopes the install asks
for, subscribes to the events the api takes, and points at the api's routes (docs/deploy.md)."""

from pathlib import Path

import yaml

from functions.routes.table import ROUTES
from shared.slack.domain.oauth import BOT_SCOPES

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack-manifest.yaml"
API = "https://PUBLIC_DOMAIN/api"


def test_the_manifest_asks_for_the_installs_scopes_and_the_events_the_api_takes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    events = manifest["settings"]["event_subscriptions"]
    assert set(events["bot_events"]) == {
        "app_mention",
        "message.channels",  # a thread's replies without a mention (decision 0201)
        "message.groups",
        "message.im",
        "app_uninstalled",
        "tokens_revoked",
    }
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    [agent] = manifest["features"]["slash_commands"]
    assert agent["command"] == "/agent" and agent["should_escape"] is False  # mentions come as <@U…>
    urls = [
        events["request_url"],
        interactivity["request_url"],
        agent["url"],
        *manifest["oauth_config"]["redirect_urls"],
    ]
    paths = {r.path for r in ROUTES}
    assert all(u.startswith(API) and u.removeprefix(API) in paths for u in urls), urls
