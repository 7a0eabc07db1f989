"""Connect/disconnect and Notion access (refresh on 401, reconnect) with fakes of every port."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.notify.domain.notify_task import NotifyTask
from shared.notion.services.connect import Connecting, begin_connect, complete_connect
from shared.notion.services.disconnect import disconnect
from shared.notion.services.notion_access import NotionAccess, ReconnectRequired
from shared.platform.domain import signed_tokens
from shared.platform.errors import InvalidInput, TransientError
from shared.platform.topology import Queue
from shared.team.services.sessions import principal_of
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.tenants import TenantStatus, tenant_id_for
from tests.support.notion.connection_services import KEY, FakeNotion, connect, deps
from tests.support.notion.notion_fakes import FakeNotionOAuth, no_held_runs
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.workspace.workspace_fakes import FakeOAuthStates, FakeTenantStore


def secret_of(d: Connecting, tenant_id: str) -> str:
    """The token secret of the tenant's connection."""
    tenant = d.tenants.get(tenant_id)
    assert tenant is not None
    return tenant.token_secret


def test_the_authorize_url_names_the_client_redirect_and_a_signed_state() -> None:
    d = deps()
    start = begin_connect(d)
    url = urlsplit(start.authorize_url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://notion.test/v1/oauth/authorize"
    assert query["client_id"] == "client-id" and query["redirect_uri"] == "https://cb.test/"
    assert query["response_type"] == "code" and query["owner"] == "user"
    assert signed_tokens.verify(query["state"], KEY, "oauth_state")["nonce"] == start.nonce
    assert isinstance(d.states, FakeOAuthStates)
    assert start.expires_in_s == 600 and not d.states.used  # GET /connect writes nothing


def test_connect_stores_tokens_in_the_secret_creates_the_tenant_and_starts_a_session() -> None:
    d = deps()
    url, outcome = connect(d)
    assert url.startswith("https://app.test#") and "?" not in url
    # The session goes in the cookie only: the URL names no secret, nor the tenant.
    assert set(parse_qs(urlsplit(url).fragment)) == {"connected", "workspace_name", "onboarding"}
    tenant_id = tenant_id_for("ws-1")
    assert outcome["connected"] == "true" and outcome["tenant_id"] == tenant_id
    assert principal_of(f"Bearer {outcome['session']}", d.secrets, d.tenants).tenant_id == tenant_id
    tenant = d.tenants.get(tenant_id)
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE and tenant.bot_id == "bot-1"
    assert tenant.owner_email == "ada@example.com" and tenant.token_secret.startswith(
        f"notion-token-{tenant_id}-"
    )
    stored = NotionTokens.load(d.secrets.get(tenant.token_secret))
    assert stored == NotionTokens(access_token="access-1", refresh_token="refresh-1")


@pytest.mark.parametrize("problem", ["forged", "expired", "other_browser", "missing_cookie", "missing_state"])
def test_a_bad_state_is_a_400_and_nothing_is_stored(problem: str) -> None:
    d = deps()
    start = begin_connect(d)
    state = parse_qs(urlsplit(start.authorize_url).query)["state"][0]
    nonce = start.nonce
    if problem == "forged":
        state = signed_tokens.sign({"purpose": "oauth_state", "nonce": nonce}, "another-key", 600)
    elif problem == "expired":
        state = signed_tokens.sign(
            {"purpose": "oauth_state", "nonce": nonce}, KEY, 600, now=time.time() - 601
        )
    elif problem == "other_browser":
        nonce = "someone-elses-nonce"
    elif problem == "missing_cookie":
        nonce = ""
    else:
        state = ""
    with pytest.raises(InvalidInput):
        complete_connect({"code": "good-code", "state": state}, nonce, d)
    assert isinstance(d.tenants, FakeTenantStore) and isinstance(d.states, FakeOAuthStates)
    assert isinstance(d.oauth, FakeNotionOAuth)
    assert not d.tenants.tenants and not d.states.used and d.oauth.codes == {"good-code"}


def test_a_state_is_single_use() -> None:
    d = deps()
    start = begin_connect(d)
    state = parse_qs(urlsplit(start.authorize_url).query)["state"][0]
    complete_connect({"code": "good-code", "state": state}, start.nonce, d)
    with pytest.raises(InvalidInput, match="already used"):
        complete_connect({"code": "good-code", "state": state}, start.nonce, d)


def test_denial_redirects_with_the_reason_and_stores_nothing() -> None:
    d = deps()
    start = begin_connect(d)
    state = parse_qs(urlsplit(start.authorize_url).query)["state"][0]
    outcome = complete_connect({"error": "access_denied", "state": state}, start.nonce, d)
    assert outcome == ("https://app.test#connected=false&error=access_denied", "", "", "", "")  # no session
    assert isinstance(d.tenants, FakeTenantStore) and not d.tenants.tenants


def test_a_refused_code_redirects_with_exchange_failed() -> None:
    _, outcome = connect(d := deps(), code="stale-code")
    assert outcome == {"connected": "false", "error": "exchange_failed"}
    assert isinstance(d.tenants, FakeTenantStore) and not d.tenants.tenants


def test_connecting_the_same_workspace_again_updates_the_tenant() -> None:
    d = deps()
    connect(d)
    tenant_id = tenant_id_for("ws-1")
    first = d.tenants.get(tenant_id)
    assert first is not None
    d.tenants.save(first.model_copy(update={"status": TenantStatus.REVOKED}))
    assert isinstance(d.oauth, FakeNotionOAuth)
    d.oauth.codes.add("second-code")
    connect(d, "second-code")
    again = d.tenants.get(tenant_id)
    assert isinstance(d.tenants, FakeTenantStore)
    assert len(d.tenants.tenants) == 1 and again is not None
    assert again.status == TenantStatus.ACTIVE and again.created_at == first.created_at
    assert NotionTokens.load(d.secrets.get(again.token_secret)).access_token == "access-2"


def test_disconnect_revokes_at_notion_destroys_the_secret_and_marks_the_tenant_revoked() -> None:
    d = deps()
    connect(d)
    tenant_id = tenant_id_for("ws-1")
    assert disconnect(tenant_id, d, no_held_runs) == {
        "revoked": True,
        "tenant_id": tenant_id,
        "runs_cancelled": 0,
    }
    tenant = d.tenants.get(tenant_id)
    assert tenant is not None and tenant.status == TenantStatus.REVOKED
    assert isinstance(d.oauth, FakeNotionOAuth) and d.oauth.revoked == ["access-1"]
    assert isinstance(d.secrets, FakeSecrets)
    assert not [name for name in d.secrets.values if name.startswith("notion-token-")]
    assert disconnect(tenant_id, d, no_held_runs)["revoked"]  # repeating it is harmless


def access_for(d: Connecting) -> tuple[NotionAccess, FakeQueue, str]:
    connect(d)
    queue = FakeQueue()
    return NotionAccess(d.tenants, d.secrets, d.oauth, queue), queue, tenant_id_for("ws-1")


def test_a_401_refreshes_the_token_stores_a_new_version_and_retries() -> None:
    d = deps()
    access, queue, tenant_id = access_for(d)
    notion = FakeNotion({"access-2"})
    assert access.run(tenant_id, notion) == "ok with access-2"
    assert notion.seen == ["access-1", "access-2"]
    stored = NotionTokens.load(d.secrets.get(secret_of(d, tenant_id)))
    assert stored == NotionTokens(access_token="access-2", refresh_token="refresh-2")
    assert not queue.tasks


def test_a_token_refreshed_by_another_instance_is_used_without_refreshing_again() -> None:
    d = deps()
    access, _, tenant_id = access_for(d)
    session = access.session(tenant_id)  # holds access-1
    d.secrets.put(secret_of(d, tenant_id), NotionTokens(access_token="access-9", refresh_token="r9").dump())
    assert session.run(FakeNotion({"access-9"})) == "ok with access-9"
    assert isinstance(d.oauth, FakeNotionOAuth) and d.oauth.issued == 1


def test_without_a_refresh_token_the_tenant_needs_reconnecting_and_its_owner_is_told_once() -> None:
    d = deps()
    access, queue, tenant_id = access_for(d)
    d.secrets.put(secret_of(d, tenant_id), NotionTokens(access_token="access-1").dump())
    with pytest.raises(ReconnectRequired):
        access.run(tenant_id, FakeNotion(set()))
    tenant = d.tenants.get(tenant_id)
    assert tenant is not None and tenant.status == TenantStatus.NEEDS_RECONNECT
    [(queue_name, body, task_id, _)] = queue.tasks
    assert (
        queue_name == Queue.NOTIFY
        and isinstance(body, NotifyTask)
        and task_id.startswith("notify:reconnect-")
    )
    assert body.tenant_id == tenant_id and body.data["to"] == "ada@example.com"
    with pytest.raises(ReconnectRequired):  # refused before any call from now on
        access.run(tenant_id, FakeNotion({"access-1"}))


def test_a_refused_refresh_needs_reconnecting() -> None:
    d = deps()
    access, queue, tenant_id = access_for(d)
    assert isinstance(d.oauth, FakeNotionOAuth)
    d.oauth.refresh_tokens.clear()
    with pytest.raises(ReconnectRequired):
        access.run(tenant_id, FakeNotion(set()))
    assert len(queue.tasks) == 1


def test_other_errors_pass_through_untouched() -> None:
    d = deps()
    access, _, tenant_id = access_for(d)

    def rate_limited(token: str) -> None:
        raise TransientError("429", retry_after_s=30)

    with pytest.raises(TransientError) as caught:
        access.run(tenant_id, rate_limited)
    assert caught.value.retry_after_s == 30
