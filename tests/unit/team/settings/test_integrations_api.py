"""GitHub, Vercel, Slack and Discord tokens through api: checked with the integration first (a
refused token is a 400, an outage a 503, both storing nothing), stored in secrets (never echoed, never in the tenant
document), listed as connected, forgotten on DELETE and on a workspace's disconnect; bad input
stores nothing."""

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.platform.errors import PermanentError
from shared.workspace.domain.integrations import (
    Integration,
    chat_token_secret,
    code_token_secret,
    token_secret,
)
from shared.workspace.domain.tenants import TenantStatus
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.team.settings_api import connect

TOKEN = "ghp_" + "x" * 36


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    container = FakeContainer()
    return container


def test_a_token_is_stored_as_a_secret_and_only_its_presence_is_shown(fakes: FakeContainer) -> None:
    auth, api = connect(fakes), client("api", fakes)
    answer = api.put("/integrations/github", headers=auth, json={"token": TOKEN})
    assert answer.status_code == 200 and TOKEN not in answer.get_data(as_text=True)
    assert answer.json == {"integration": "github", "connected": True, "account": "octo"}
    assert fakes.secrets.values[code_token_secret("t1", Integration.GITHUB)] == TOKEN
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.integrations == (Integration.GITHUB,)
    assert TOKEN not in tenant.model_dump_json()
    listed = api.get("/integrations", headers=auth).json
    assert listed == {
        "integrations": {
            "github": {"connected": True, "account": "octo"},  # whom the token acts as
            "vercel": {"connected": False},
            "slack": {"connected": False},
            "discord": {"connected": False},
        },
        # Google is not configured on this fake container: nothing to connect, no mailbox listed.
        "google": {
            "configured": False,
            "mailboxes_offered": False,
            "calendars_offered": False,
            "mailboxes": [],
        },
    }
    again = api.put("/integrations/github", headers=auth, json={"token": TOKEN + "2"})  # replaced
    assert again.status_code == 200
    assert fakes.secrets.values[code_token_secret("t1", Integration.GITHUB)] == TOKEN + "2"
    gone = api.delete("/integrations/github", headers=auth)
    assert gone.status_code == 200 and gone.json == {"integration": "github", "connected": False}
    assert code_token_secret("t1", Integration.GITHUB) not in fakes.secrets.values
    after: Any = api.get("/integrations", headers=auth).json
    assert after["integrations"]["github"] == {"connected": False}
    assert api.delete("/integrations/github", headers=auth).status_code == 200  # repeatable


def test_a_slack_token_is_checked_with_slack_and_kept_where_only_notify_reads_it(
    fakes: FakeContainer,
) -> None:
    auth, api, slack = connect(fakes), client("api", fakes), "xoxb-" + "1" * 30
    answer = api.put("/integrations/slack", headers=auth, json={"token": slack})
    assert answer.json == {"integration": "slack", "connected": True, "account": "octo"}
    assert (
        chat_token_secret("t1") == "chat-token-slack-t1"
        and fakes.secrets.values["chat-token-slack-t1"] == slack
    )
    assert not [name for name in fakes.secrets.values if name.startswith("code-token-")]
    assert api.delete("/integrations/slack", headers=auth).json == {
        "integration": "slack",
        "connected": False,
    }
    assert "chat-token-slack-t1" not in fakes.secrets.values


@pytest.mark.parametrize("name", ["github", "vercel", "slack"])
def test_a_token_the_integration_refuses_or_cannot_check_now_is_not_stored(
    fakes: FakeContainer, name: str
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    check = {"github": fakes.code_host, "vercel": fakes.deployer, "slack": fakes.chat}[name]
    check.refused.add(TOKEN)
    refused = api.put(f"/integrations/{name}", headers=auth, json={"token": TOKEN})
    assert refused.status_code == 400 and refused.json is not None
    assert refused.json["reason"].startswith(f"token: {check.label} refused this token")
    assert refused.json["fields"] == [{"field": "token"}]
    check.refused.clear()
    check.down = True
    outage = api.put(f"/integrations/{name}", headers=auth, json={"token": TOKEN})
    assert outage.status_code == 503 and outage.json is not None and check.label in outage.json["reason"]
    assert token_secret("t1", Integration(name)) not in fakes.secrets.values
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.integrations == ()


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/integrations/gitlab", {"token": TOKEN}, 404),
        ("/integrations/github", {"token": "short"}, 400),
        ("/integrations/github", {"token": "has spaces in it"}, 400),
        ("/integrations/github", {"token": TOKEN + "\n"}, 400),  # pasted with its line end
        ("/integrations/github", {"token": 12345678}, 400),
        ("/integrations/github", {"token": TOKEN, "extra": 1}, 400),
        ("/integrations/github", ["not", "an", "object"], 400),
    ],
)
def test_bad_input_stores_nothing(fakes: FakeContainer, path: str, body: object, status: int) -> None:
    auth = connect(fakes)
    before = dict(fakes.secrets.values)
    answer = client("api", fakes).put(path, headers=auth, json=body)
    assert answer.status_code == status and answer.json is not None and answer.json["reason"]
    assert fakes.secrets.values == before
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.integrations == ()


def test_a_disconnected_workspace_cannot_connect_an_integration(fakes: FakeContainer) -> None:
    auth = connect(fakes, TenantStatus.REVOKED)
    answer = client("api", fakes).put("/integrations/vercel", headers=auth, json={"token": TOKEN})
    assert answer.status_code == 409
    assert code_token_secret("t1", Integration.VERCEL) not in fakes.secrets.values


def test_without_a_session_nothing_is_reachable(fakes: FakeContainer) -> None:
    connect(fakes)
    assert client("api", fakes).put("/integrations/github", json={"token": TOKEN}).status_code == 401
    assert client("api", fakes).get("/integrations").status_code == 401


def test_disconnecting_the_workspace_forgets_its_integration_tokens(fakes: FakeContainer) -> None:
    from shared.notion.services.connect import Connecting
    from shared.notion.services.disconnect import disconnect
    from tests.support.notion.notion_fakes import no_held_runs

    auth, api = connect(fakes), client("api", fakes)
    for name in ("github", "vercel", "slack"):
        assert api.put(f"/integrations/{name}", headers=auth, json={"token": TOKEN}).status_code == 200
    deps = Connecting(
        settings=fakes.settings,
        tenants=fakes.tenants,
        states=fakes.oauth_states,
        secrets=fakes.secrets,
        oauth=fakes.notion_oauth,
    )
    disconnect("t1", deps, no_held_runs)
    assert not [name for name in fakes.secrets.values if name.startswith(("code-token-", "chat-token-"))]
    tenant = fakes.tenants.get("t1")
    assert (
        tenant is not None
        and tenant.integrations == ()
        and tenant.updated_at > datetime(2000, 1, 1, tzinfo=UTC)
    )


def test_an_unknown_path_is_a_404_and_a_wrong_method_a_405_naming_the_right_ones(
    fakes: FakeContainer,
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    missing = api.get("/nowhere", headers=auth)
    assert missing.status_code == 404 and "no such endpoint" in json_body(missing)["reason"]
    wrong = api.patch("/integrations/github", headers=auth, json={})
    assert wrong.status_code == 405 and json_body(wrong)["reason"] == "use DELETE, PUT here"
    assert wrong.headers["Allow"] == "DELETE, PUT"


def test_a_disconnect_during_the_token_check_wins_and_nothing_is_kept(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth, api = connect(fakes), client("api", fakes)

    def disconnected_meanwhile(token: str) -> str:
        assert api.delete("/connection", headers=auth).status_code == 200
        return "octo"

    monkeypatch.setattr(fakes.code_host, "account", disconnected_meanwhile)
    answer = api.put("/integrations/github", headers=auth, json={"token": TOKEN})
    assert answer.status_code == 409 and "disconnected" in json_body(answer)["reason"]
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.status == TenantStatus.REVOKED and tenant.integrations == ()
    assert code_token_secret("t1", Integration.GITHUB) not in fakes.secrets.values


def test_integrations_connected_at_once_are_all_kept(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    vercel = "v" * 24

    def vercel_connected_meanwhile(token: str) -> str:
        assert api.put("/integrations/vercel", headers=auth, json={"token": vercel}).status_code == 200
        return "octo"

    monkeypatch.setattr(fakes.code_host, "account", vercel_connected_meanwhile)
    assert api.put("/integrations/github", headers=auth, json={"token": TOKEN}).status_code == 200
    listed = api.get("/integrations", headers=auth).json
    assert listed is not None and {k for k, v in listed["integrations"].items() if v["connected"]} == {
        "github",
        "vercel",
    }


@pytest.mark.parametrize("name", ["github", "vercel", "slack"])
def test_a_token_of_the_wrong_kind_is_a_400_naming_the_token_not_a_502(
    fakes: FakeContainer, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    check = {"github": fakes.code_host, "vercel": fakes.deployer, "slack": fakes.chat}[name]

    def wrong_kind(token: str) -> str:  # e.g. a Slack app-level token, a GitHub App installation token
        raise PermanentError(f"{check.label} answered 403: not_allowed_token_type")

    monkeypatch.setattr(check, "account", wrong_kind)
    refused = api.put(f"/integrations/{name}", headers=auth, json={"token": TOKEN})
    assert refused.status_code == 400 and refused.json is not None
    assert refused.json["fields"] == [{"field": "token"}]
    assert "cannot be used with this token" in refused.json["reason"] and TOKEN not in refused.json["reason"]
    assert token_secret("t1", Integration(name)) not in fakes.secrets.values
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.integrations == ()


DISCORD_URL = "https://discord.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789"


def test_a_discord_webhook_is_checked_kept_where_notify_reads_it_and_never_shown(
    fakes: FakeContainer,
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    answer = api.put("/integrations/discord", headers=auth, json={"token": DISCORD_URL})
    assert answer.json == {
        "integration": "discord",
        "connected": True,
        "account": "Notion Agent in channel 1",
    }
    assert fakes.secrets.values["chat-token-discord-t1"] == DISCORD_URL
    assert "fake-webhook-token" not in api.get("/integrations", headers=auth).get_data(as_text=True)
    assert api.delete("/integrations/discord", headers=auth).json == {
        "integration": "discord",
        "connected": False,
    }
    assert "chat-token-discord-t1" not in fakes.secrets.values


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789",
        "http://discord.com/api/webhooks/120000000000000001/fake-webhook-token-0123456789",
        "xoxb-not-a-discord-webhook",
    ],
)
def test_anything_but_a_discord_webhook_url_is_a_400_storing_nothing(fakes: FakeContainer, url: str) -> None:
    auth, api = connect(fakes), client("api", fakes)
    answer = api.put("/integrations/discord", headers=auth, json={"token": url})
    assert answer.status_code == 400
    reason = json_body(answer)["reason"]
    assert "https://discord.com/api/webhooks/<id>/<token>" in reason and "nothing was stored" in reason
    assert "fake-webhook-token" not in answer.get_data(as_text=True)
    assert not [name for name in fakes.secrets.values if "discord" in name]
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and Integration.DISCORD not in tenant.integrations


def test_a_webhook_discord_no_longer_knows_is_a_400_storing_nothing(fakes: FakeContainer) -> None:
    auth, api = connect(fakes), client("api", fakes)
    other = DISCORD_URL.replace("fake-webhook-token", "deleted-webhook-token")
    answer = api.put("/integrations/discord", headers=auth, json={"token": other})
    assert answer.status_code == 400 and "Discord refused this token" in json_body(answer)["reason"]
    assert not [name for name in fakes.secrets.values if "discord" in name]
