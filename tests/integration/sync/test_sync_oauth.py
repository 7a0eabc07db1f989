"""Linear and GitLab connected with OAuth 2 against their sandboxes and the Firestore emulator: the
authorize redirect, the code exchange (PKCE), the tokens in secrets only, a refresh before expiry used by
the sync task, a replayed state or reused code refused with nothing stored, and revoke on disconnect."""

import json
from typing import Any

import pytest

from local.gitlab_sandbox.app import PROJECT_PATH
from local.linear_sandbox.app import TEAM_ID
from shared.platform import errors
from shared.sync.domain.connection import hook_secret, key_secret
from shared.sync.domain.oauth import Grant, oauth_secret
from shared.sync.domain.sync_task import SyncTask
from shared.sync.services import connect
from shared.sync.services.mirror import run_gitlab_task
from shared.sync.services.oauth import begin_oauth, complete_oauth, current_key
from tests.integration.sync.conftest import GitLabStack, SyncStack
from tests.support.sync.oauth_flow import FRONTEND, authorize, connecting, oauth_parts

MEMBER = "member-owner"


def _secret(secrets: Any, name: str) -> str | None:
    try:
        return str(secrets.get(name))
    except errors.NotFound:
        return None


class _Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def _gitlab(lab: GitLabStack, firestore_emulator: Any, clock: _Clock) -> Any:
    parts = oauth_parts(lab.secrets, lab.url, clock, "gitlab")
    linking = lab.linking._replace(oauth=parts)
    deps = connecting(
        parts,
        firestore_emulator.client(),
        lambda t, key, p: connect.link_gitlab(
            t, key, (p["project"], lab.url, p["data_source_id"], p[connect.COPY]), linking
        ),
        connect.gitlab_params,
    )
    return parts, linking, deps


def test_gitlab_oauth_connects_refreshes_before_expiry_and_revokes(
    lab: GitLabStack, firestore_emulator: Any
) -> None:
    clock = _Clock()
    parts, linking, deps = _gitlab(lab, firestore_emulator, clock)
    start = begin_oauth(lab.tenant_id, MEMBER, "gitlab", {"project": PROJECT_PATH}, deps)
    assert "code_challenge_method=S256" in start["authorize_url"]
    back = authorize(start["authorize_url"])
    location = complete_oauth(lab.tenant_id, MEMBER, "gitlab", back, deps)
    assert location == f"{FRONTEND}#sync=gitlab&connected=true"
    token = lab.secrets.get(key_secret(lab.tenant_id, "gitlab"))
    grant = Grant.load(lab.secrets.get(oauth_secret(lab.tenant_id, "gitlab")))
    assert lab.gitlab.oauth.live(token) and grant.refresh_token and grant.expires_at == clock.t + 7200
    connection = lab.store.connection(lab.tenant_id)
    assert connection is not None and connection.project_path == PROJECT_PATH
    stored = json.dumps(connection.model_dump(mode="json"))
    assert token not in stored and grant.refresh_token not in stored and back["code"] not in location

    # The same redirect again: its state is used up; a new state with the used code: GitLab refuses it.
    with pytest.raises(errors.InvalidInput, match="already used"):
        complete_oauth(lab.tenant_id, MEMBER, "gitlab", back, deps)

    # Two hours on, the access token has expired at GitLab: the sync task refreshes it first.
    clock.t += 7200 - 60
    lab.gitlab.oauth.advance(7200)
    assert not lab.gitlab.oauth.live(token)
    result = run_gitlab_task(
        SyncTask(tenant_id=lab.tenant_id, kind="scan", since=lab.clock[0], tool="gitlab"),
        lab.mirroring._replace(oauth=parts),
    )
    assert "result" in result
    fresh = lab.secrets.get(key_secret(lab.tenant_id, "gitlab"))
    rotated = Grant.load(lab.secrets.get(oauth_secret(lab.tenant_id, "gitlab")))
    assert fresh != token and lab.gitlab.oauth.live(fresh) and lab.gitlab.oauth.refreshes == 1
    assert rotated.refresh_token != grant.refresh_token and rotated.expires_at == clock.t + 7200
    assert current_key(lab.tenant_id, "gitlab", lab.secrets, parts) == fresh  # not due: no second refresh
    assert lab.gitlab.oauth.refreshes == 1

    answer = connect.disconnect_gitlab(lab.tenant_id, linking)
    assert answer["token_revoked"] is True and answer["webhook_deleted"] is True
    assert not lab.gitlab.oauth.live(fresh) and lab.gitlab.oauth.revocations == 1
    for name in (key_secret(lab.tenant_id, "gitlab"), oauth_secret(lab.tenant_id, "gitlab")):
        assert _secret(lab.secrets, name) is None


def test_gitlab_reused_code_and_forged_state_store_nothing(lab: GitLabStack, firestore_emulator: Any) -> None:
    _, _, deps = _gitlab(lab, firestore_emulator, _Clock())
    first = authorize(
        begin_oauth(lab.tenant_id, MEMBER, "gitlab", {"project": PROJECT_PATH}, deps)["authorize_url"]
    )
    lab.gitlab.oauth.codes[first["code"]]["used"] = True  # the code was exchanged once already
    with pytest.raises(errors.InvalidInput, match="refused the authorization code"):
        complete_oauth(lab.tenant_id, MEMBER, "gitlab", first, deps)
    second = authorize(
        begin_oauth(lab.tenant_id, MEMBER, "gitlab", {"project": PROJECT_PATH}, deps)["authorize_url"]
    )
    forged = second | {"state": second["state"][:-2] + ("AA" if not second["state"].endswith("AA") else "BB")}
    with pytest.raises(errors.InvalidInput, match="not valid"):
        complete_oauth(lab.tenant_id, MEMBER, "gitlab", forged, deps)
    with pytest.raises(errors.InvalidInput, match="another person"):
        complete_oauth(lab.tenant_id, "member-someone-else", "gitlab", second, deps)
    names = [
        key_secret(lab.tenant_id, "gitlab"),
        hook_secret(lab.tenant_id, "gitlab"),
        oauth_secret(lab.tenant_id, "gitlab"),
    ]
    assert [_secret(lab.secrets, n) for n in names] == [None, None, None]
    assert lab.store.connection(lab.tenant_id) is None and lab.gitlab.hooks == {}
    assert lab.gitlab.oauth.exchanges == 0


def test_gitlab_failed_revoke_still_deletes_ours(lab: GitLabStack, firestore_emulator: Any) -> None:
    clock = _Clock()
    parts, linking, deps = _gitlab(lab, firestore_emulator, clock)
    back = authorize(
        begin_oauth(lab.tenant_id, MEMBER, "gitlab", {"project": PROJECT_PATH}, deps)["authorize_url"]
    )
    complete_oauth(lab.tenant_id, MEMBER, "gitlab", back, deps)
    broken = parts.apps["gitlab"]._replace(revoke_url=f"{lab.url}/oauth/revoke-gone")
    answer = connect.disconnect_gitlab(
        lab.tenant_id, linking._replace(oauth=parts._replace(apps={"gitlab": broken}))
    )
    assert answer["token_revoked"] is False and "did not confirm" in answer["note"]
    assert _secret(lab.secrets, oauth_secret(lab.tenant_id, "gitlab")) is None
    assert _secret(lab.secrets, key_secret(lab.tenant_id, "gitlab")) is None
    assert lab.store.connection(lab.tenant_id) is None


def test_linear_oauth_connects_with_a_bearer_token_and_revokes(
    stack: SyncStack, firestore_emulator: Any
) -> None:
    clock = _Clock()
    parts = oauth_parts(stack.secrets, stack.url, clock, "linear")
    linking = stack.linking._replace(oauth=parts)
    deps = connecting(
        parts,
        firestore_emulator.client(),
        lambda t, key, p: connect.link_linear(t, key, p, linking),
        connect.linear_params,
    )
    start = begin_oauth(stack.tenant_id, MEMBER, "linear", {"team_id": TEAM_ID}, deps)
    assert "scope=read%2Cwrite" in start["authorize_url"] and "code_challenge=" in start["authorize_url"]
    back = authorize(start["authorize_url"])
    assert complete_oauth(stack.tenant_id, MEMBER, "linear", back, deps).endswith("connected=true")
    key = stack.secrets.get(key_secret(stack.tenant_id, "linear"))
    assert key.startswith("Bearer ") and stack.linear.oauth.live(key.removeprefix("Bearer "))
    assert stack.store.connection(stack.tenant_id) is not None and len(stack.linear.webhooks) == 1

    answer = connect.disconnect_linear(stack.tenant_id, linking)
    assert answer["token_revoked"] is True and stack.linear.oauth.revocations == 1
    assert not stack.linear.oauth.live(key.removeprefix("Bearer "))
    assert _secret(stack.secrets, oauth_secret(stack.tenant_id, "linear")) is None
