"""The OAuth stand-in of the Linear and GitLab sandboxes (local/oauth_provider.py) against what their
documentation and RFC 6749, 7009 and 7636 say: the consent page, the redirect with code and state, a
code exchanged once with its PKCE verifier, access tokens that expire, refresh tokens that rotate, and
revocation."""

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

from werkzeug.test import Client

from local.gitlab_sandbox.app import GitLabSandbox
from local.gitlab_sandbox.app import make_app as gitlab_app
from local.linear_sandbox.app import LinearSandbox
from local.linear_sandbox.app import make_app as linear_app
from local.oauth_provider import CLIENT_ID, CLIENT_SECRET

VERIFIER = "v" * 50
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
BACK = "https://agent.example/api/sync/gitlab/oauth/callback"


def _code(client: Client, decision: str = "approve", **extra: str) -> dict[str, list[str]]:
    """The consent page for the request, and where its ``decision`` button sends the browser back."""
    query = {"client_id": CLIENT_ID, "redirect_uri": BACK, "response_type": "code", "state": "st", **extra}
    page = client.get("/oauth/authorize", query_string=query)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'value="approve">Approve</button>' in html and 'value="deny">Deny</button>' in html
    assert all(f'name="{k}" value="{v}"' in html for k, v in query.items())  # posted back with the button
    answer = client.post("/oauth/authorize", data={**query, "decision": decision})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == BACK
    return parse_qs(location.query)


def _token(client: Client, **form: str) -> Any:
    return client.post("/oauth/token", data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **form})


def test_gitlab_stand_in_code_pkce_expiry_refresh_and_revoke() -> None:
    sandbox = GitLabSandbox()
    client = Client(gitlab_app(sandbox))
    back = _code(client, code_challenge=CHALLENGE, code_challenge_method="S256")
    assert back["state"] == ["st"]
    code = back["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": BACK}
    wrong = _token(client, **exchange, code_verifier="w" * 50)
    assert wrong.status_code == 400 and wrong.json["error"] == "invalid_grant"
    code = _code(client, code_challenge=CHALLENGE, code_challenge_method="S256")["code"][0]
    exchange["code"] = code
    good = _token(client, **exchange, code_verifier=VERIFIER)
    assert good.status_code == 200 and good.json["token_type"] == "Bearer" and good.json["expires_in"] == 7200
    again = _token(client, **exchange, code_verifier=VERIFIER)
    assert again.status_code == 400 and again.json["error"] == "invalid_grant"  # a code works once
    assert _token(client, **exchange, client_secret="no").status_code == 401
    access, refresh = good.json["access_token"], good.json["refresh_token"]
    user = client.get("/api/v4/user", headers={"Authorization": f"Bearer {access}"})
    assert user.status_code == 200
    sandbox.oauth.advance(7200)  # two hours: the access token expired
    assert client.get("/api/v4/user", headers={"Authorization": f"Bearer {access}"}).status_code == 401
    renewed = _token(client, grant_type="refresh_token", refresh_token=refresh)
    assert renewed.status_code == 200 and renewed.json["refresh_token"] != refresh
    assert _token(client, grant_type="refresh_token", refresh_token=refresh).status_code == 400  # rotated
    fresh = renewed.json["access_token"]
    assert client.get("/api/v4/user", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    gone = client.post(
        "/oauth/revoke", data={"token": fresh, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    assert gone.status_code == 200
    assert client.get("/api/v4/user", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    assert (
        _token(client, grant_type="refresh_token", refresh_token=renewed.json["refresh_token"]).status_code
        == 400
    )


def test_linear_stand_in_bearer_tokens_and_a_declined_consent() -> None:
    sandbox = LinearSandbox()
    client = Client(linear_app(sandbox))
    code = _code(client)["code"][0]
    token = _token(client, grant_type="authorization_code", code=code, redirect_uri=BACK).json["access_token"]
    query = {"query": "{ viewer { id name } }"}
    assert (
        client.post("/graphql", json=query, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    assert client.post("/graphql", json=query, headers={"Authorization": token}).status_code == 400
    assert client.post("/oauth/revoke", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert (
        client.post("/graphql", json=query, headers={"Authorization": f"Bearer {token}"}).status_code == 400
    )
    issued = len(sandbox.oauth.codes)
    assert _code(client, decision="deny") == {"error": ["access_denied"], "state": ["st"]}
    assert len(sandbox.oauth.codes) == issued  # a denial issues no code
    sandbox.oauth.deny = True
    assert _code(client) == {"error": ["access_denied"], "state": ["st"]}
    assert client.get("/oauth/authorize", query_string={"client_id": "other"}).status_code == 400


def _grant(client: Client) -> dict[str, Any]:
    code = _code(client, code_challenge=CHALLENGE, code_challenge_method="S256")["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": BACK,
        "code_verifier": VERIFIER,
    }
    answer = _token(client, **exchange)
    assert answer.status_code == 200
    return dict(answer.json)


def test_revocation_is_taken_only_as_the_tools_document_it() -> None:
    """An erasure revokes our grants. Linear takes the access token as its own bearer;
    GitLab (RFC 7009) takes it with the client's credentials, in the form or as Basic. Anyone else's
    request revokes nothing (401 invalid_client); an unknown or already revoked token is a 200."""
    gitlab, linear = GitLabSandbox(), LinearSandbox()
    for sandbox, client, api in (
        (gitlab, Client(gitlab_app(gitlab)), "/api/v4/user"),
        (linear, Client(linear_app(linear)), ""),
    ):
        grant = _grant(client)
        access, refresh = grant["access_token"], grant["refresh_token"]
        for refused in (
            client.post("/oauth/revoke", data={"token": access}),  # no credentials
            client.post(
                "/oauth/revoke", data={"token": access, "client_id": CLIENT_ID, "client_secret": "x"}
            ),
            client.post("/oauth/revoke", data={"token": access}, headers={"Authorization": "Bearer guessed"}),
        ):
            assert refused.status_code == 401 and (refused.json or {})["error"] == "invalid_client"
        assert sandbox.oauth.live(access) and sandbox.oauth.revocations == 0
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        gone = client.post(
            "/oauth/revoke", data={"token": refresh}, headers={"Authorization": f"Basic {basic}"}
        )
        assert gone.status_code == 200 and not sandbox.oauth.live(access)  # the refresh token ends its pair
        again = client.post(
            "/oauth/revoke", data={"token": access, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        )
        assert again.status_code == 200  # already revoked: RFC 7009's 200
        if api:
            assert client.get(api, headers={"Authorization": f"Bearer {access}"}).status_code == 401
        own = _grant(client)["access_token"]  # Linear's documented form: the token as its own bearer
        by_bearer = client.post("/oauth/revoke", headers={"Authorization": f"Bearer {own}"})
        assert by_bearer.status_code == 200 and not sandbox.oauth.live(own)
