"""Installing the Slack app with Slack's OAuth v2, on the Firestore emulator and the code sandbox's
Slack (its install page and ``oauth.v2.access``, reached through slack_sdk's WebClient): the state is
bound to the tenant and the person, used once; the bot token lands in Secret Manager only and the team
is linked; Slack's uninstall and revocation unlink it and forget the token."""

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from local.code_sandbox import slack_oauth as sandbox_oauth
from local.code_sandbox.testing import Admin, RunningSandbox
from shared.notify.adapters.slack import SlackChat
from shared.platform.config import PlatformSecret
from shared.platform.errors import Conflict, InvalidInput, NotFound
from shared.sessions.adapters.firestore_sessions import FirestoreSessions
from shared.slack.adapters.firestore_installs import FirestoreSlackInstalls
from shared.slack.adapters.slack_web import SlackWebApi
from shared.slack.domain.installs import SlackInstall
from shared.slack.services.events import SlackIntake, receive
from shared.slack.services.install import SlackLinking
from shared.slack.services.oauth import SlackOAuth, begin_install, complete_install
from shared.workspace.adapters.firestore_tenants import (
    FirestoreOAuthStates,
    FirestoreTenantStore,
    FirestoreWebhookEvents,
)
from shared.workspace.domain.integrations import chat_token_secret
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.slack.slack_events import mention, signed
from tests.support.workspace.firestore_tenants import NOW, tenant

REDIRECT = "http://127.0.0.1:8085/slack/oauth/callback"
TEAM = "T0SANDBOX01"
A, B = tenant("ws-a").tenant_id, tenant("ws-b").tenant_id


@pytest.fixture
def world(firestore_db: Any, admin: Admin, sandbox: RunningSandbox) -> dict[str, Any]:
    tenants = FirestoreTenantStore(firestore_db)
    for workspace in ("ws-a", "ws-b"):
        tenants.save(
            tenant(workspace, owner_user_id=f"u-{workspace}", owner_email=f"ada@{workspace}.example")
        )
    secrets = FakeSecrets(
        {
            PlatformSecret.SESSION_SIGNING_KEY: "k" * 32,
            PlatformSecret.SLACK_CLIENT_SECRET: sandbox_oauth.CLIENT_SECRET,
        }
    )
    web = SlackWebApi(sandbox.url + "/slack/api/")
    installs = FirestoreSlackInstalls(firestore_db)
    linking = SlackLinking(installs, web, tenants, secrets, SlackChat(sandbox.url + "/slack/api", 5).account)
    parts = SlackOAuth(
        linking,
        FirestoreOAuthStates(firestore_db),
        sandbox_oauth.CLIENT_ID,
        sandbox.url + "/slack",
        REDIRECT,
        "http://127.0.0.1:8080/",
    )
    intake = SlackIntake(
        signing_secret="s" * 32,
        installs=installs,
        web=web,
        secrets=secrets,
        tenants=tenants,
        ledger=FirestoreWebhookEvents(firestore_db),
        queue=FakeQueue(),
        console_url="http://127.0.0.1:8080",
        sessions=FirestoreSessions(firestore_db),
        engine=make_deps,
    )
    return {"parts": parts, "secrets": secrets, "tenants": tenants, "installs": installs, "intake": intake}


def _slack_redirect(authorize_url: str, decision: str = "allow") -> dict[str, str]:
    """What a person's browser does at Slack: open the install page, press Allow (or Cancel), and
    come back with the redirect's query."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200 and "requesting permission to access the Acme Slack workspace" in page.text
    form = {k: v[0] for k, v in parse_qs(urlparse(authorize_url).query).items()} | {"decision": decision}
    action = authorize_url.split("?", maxsplit=1)[0]
    back = requests.post(action, data=form, allow_redirects=False, timeout=5)
    assert back.status_code == 302 and back.headers["Location"].startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlparse(back.headers["Location"]).query).items()}


def _install(world: dict[str, Any], tenant_id: str = A, member: str = "m-owner") -> str:
    start = begin_install(tenant_id, member, world["parts"])
    return complete_install(tenant_id, member, _slack_redirect(start["authorize_url"]), world["parts"])


def test_the_owner_installs_the_app_and_its_team_is_linked_with_the_bot_token_kept_in_secrets(
    world: dict[str, Any], admin: Admin
) -> None:
    start = begin_install(A, "m-owner", world["parts"])
    query = parse_qs(urlparse(start["authorize_url"]).query)
    assert "users:read.email" in query["scope"][0].split(",") and query["redirect_uri"] == [REDIRECT]
    args = _slack_redirect(start["authorize_url"])
    location = complete_install(A, "m-owner", args, world["parts"])
    assert location.endswith("#slack=install&connected=true")
    token = world["secrets"].get(chat_token_secret(A))
    assert token.startswith("xoxb-sandbox-") and token not in location
    install = world["installs"].get(TEAM)
    assert install is not None and install.tenant_id == A and install.installed_by == "m-owner"
    assert "slack" in world["tenants"].get(A).integrations
    # The redirect replayed: the state is used up, nothing changes.
    with pytest.raises(InvalidInput, match="already used"):
        complete_install(A, "m-owner", args, world["parts"])
    assert world["secrets"].get(chat_token_secret(A)) == token


def test_a_state_of_another_person_workspace_or_a_forged_one_stores_nothing(world: dict[str, Any]) -> None:
    start = begin_install(A, "m-owner", world["parts"])
    args = _slack_redirect(start["authorize_url"])
    for tenant_id, member, query in (
        (A, "m-someone-else", args),
        (B, "m-owner", args),
        (A, "m-owner", args | {"state": args["state"][:-4] + "AAAA"}),
        (A, "m-owner", {"code": args["code"]}),
    ):
        with pytest.raises(InvalidInput):
            complete_install(tenant_id, member, query, world["parts"])
    with pytest.raises(NotFound):
        world["secrets"].get(chat_token_secret(A))
    assert world["installs"].get(TEAM) is None
    # The genuine redirect still works: a refused one did not use its state up.
    assert complete_install(A, "m-owner", args, world["parts"]).endswith("connected=true")


def test_cancelling_at_slack_goes_back_to_the_console_and_stores_nothing(world: dict[str, Any]) -> None:
    start = begin_install(A, "m-owner", world["parts"])
    args = _slack_redirect(start["authorize_url"], decision="cancel")
    assert args["error"] == "access_denied"
    location = complete_install(A, "m-owner", args, world["parts"])
    assert location.endswith("connected=false&error=access_denied")
    assert world["installs"].get(TEAM) is None


def test_a_team_another_workspace_installed_is_refused_and_its_token_not_kept(world: dict[str, Any]) -> None:
    _install(world, A)
    with pytest.raises(Conflict):
        _install(world, B)
    with pytest.raises(NotFound):
        world["secrets"].get(chat_token_secret(B))
    assert world["installs"].get(TEAM).tenant_id == A


@pytest.mark.parametrize("how", ["app_uninstalled", "tokens_revoked"])
def test_slacks_uninstall_or_revocation_unlinks_the_team_and_forgets_the_token(
    world: dict[str, Any], admin: Admin, how: str
) -> None:
    _install(world, A)
    bot = world["installs"].get(TEAM).bot_user_id
    event = {"type": how} | ({"tokens": {"bot": [bot]}} if how == "tokens_revoked" else {})
    body = mention(bot, "", event_id="Ev0UNINSTALL1") | {"event": event}
    assert receive(*signed(body, secret="s" * 32), world["intake"]) == {"result": "uninstalled"}
    assert world["installs"].get(TEAM) is None
    assert "slack" not in world["tenants"].get(A).integrations
    with pytest.raises(NotFound):
        world["secrets"].get(chat_token_secret(A))
    with pytest.raises(NotFound):  # the team's later events reach nothing
        receive(*signed(body, secret="s" * 32), world["intake"])


def test_a_revocation_of_other_tokens_leaves_the_install(world: dict[str, Any]) -> None:
    _install(world, A)
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["U0SANDBOX02"], "bot": []}}
    body = mention("U0SANDBOX02", "", event_id="Ev0REVOKE0001") | {"event": event}
    assert receive(*signed(body, secret="s" * 32), world["intake"]) == {"result": "ignored"}
    assert world["installs"].get(TEAM) is not None and world["secrets"].get(chat_token_secret(A))


def test_the_sandboxs_oauth_v2_access_answers_as_slack_documents(
    sandbox: RunningSandbox, admin: Admin
) -> None:
    """Through slack_sdk's WebClient, as the adapter calls it: the app's id and secret by HTTP Basic,
    a code once, and Slack's error codes."""
    client = WebClient(base_url=sandbox.url + "/slack/api/")
    start = SlackOAuth(None, None, sandbox_oauth.CLIENT_ID, sandbox.url + "/slack", REDIRECT, "")  # type: ignore[arg-type]  # only the URL is built
    from shared.slack.domain import oauth

    url = oauth.authorize_url(start.authorize_base, start.client_id, REDIRECT, "st-1")
    code = _slack_redirect(url)["code"]

    def exchange(**kw: str) -> Any:
        args = {"client_id": sandbox_oauth.CLIENT_ID, "client_secret": sandbox_oauth.CLIENT_SECRET} | kw
        return client.oauth_v2_access(**args)

    for wrong, error in (
        ({"client_id": "1.2", "code": code}, "invalid_client_id"),
        ({"client_secret": "nope", "code": code}, "bad_client_secret"),
        ({"code": "1.unknown"}, "invalid_code"),
    ):
        with pytest.raises(SlackApiError) as refused:
            exchange(**wrong)
        assert refused.value.response["error"] == error
    answer = exchange(code=code, redirect_uri=REDIRECT)
    assert answer["ok"] and answer["token_type"] == "bot" and answer["team"] == {"id": TEAM, "name": "Acme"}
    assert answer["access_token"].startswith("xoxb-") and answer["bot_user_id"] == "U0SANDBOX01"
    assert set(answer["scope"].split(",")) == set(oauth.BOT_SCOPES)
    who = WebClient(base_url=sandbox.url + "/slack/api/", token=answer["access_token"]).auth_test()
    assert who["team_id"] == TEAM
    with pytest.raises(SlackApiError) as again:
        exchange(code=code, redirect_uri=REDIRECT)
    assert again.value.response["error"] == "invalid_code"
    other = _slack_redirect(oauth.authorize_url(start.authorize_base, start.client_id, REDIRECT, "st-2"))[
        "code"
    ]
    with pytest.raises(SlackApiError) as moved:
        exchange(code=other, redirect_uri=REDIRECT + "/elsewhere")
    assert moved.value.response["error"] == "bad_redirect_uri"


def test_an_install_only_records_the_installers_member_id(world: dict[str, Any]) -> None:
    _install(world, A, member="m-bo")
    install: SlackInstall = world["installs"].get(TEAM)
    assert install.installed_by == "m-bo" and install.installed_at > NOW
