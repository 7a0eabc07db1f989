"""The OAuth connect of Linear and GitLab against their sandboxes (local/oauth_provider.py), for the
sync's OAuth tests: the apps pointed at a sandbox, the signing key and client secrets in the stack's
secrets, the used states in the Firestore emulator, and the browser's leg (the authorize redirect)."""

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from local.oauth_provider import CLIENT_ID, CLIENT_SECRET
from shared.platform.config import PlatformSecret
from shared.sync.adapters.oauth_http import OAuthHttp
from shared.sync.domain.connection import Tool
from shared.sync.domain.oauth import apps_of
from shared.sync.services.oauth import OAuthConnecting, OAuthParts
from shared.workspace.adapters.firestore_tenants import FirestoreOAuthStates

FRONTEND = "https://console.example/"
SIGNING_KEY = "k" * 48


def oauth_parts(secrets: Any, url: str, clock: Callable[[], float], tool: Tool) -> OAuthParts:
    """The parts with ``tool``'s app at the sandbox ``url`` (its secrets stored in ``secrets``)."""
    secrets.put(PlatformSecret.SESSION_SIGNING_KEY, SIGNING_KEY)
    secrets.put(PlatformSecret.LINEAR_CLIENT_SECRET, CLIENT_SECRET)
    secrets.put(PlatformSecret.GITLAB_CLIENT_SECRET, CLIENT_SECRET)
    linear = (CLIENT_ID if tool == "linear" else "", url, url, False)
    apps = apps_of(linear, (CLIENT_ID if tool == "gitlab" else "", url))
    return OAuthParts(
        secrets, OAuthHttp(10.0), apps, lambda t: f"https://agent.example/api/sync/{t}/oauth/callback", clock
    )


def connecting(
    parts: OAuthParts,
    firestore_db: Any,
    link: Callable[..., dict[str, Any]],
    params: Callable[..., dict[str, Any]],
) -> OAuthConnecting:
    return OAuthConnecting(parts, FirestoreOAuthStates(firestore_db), FRONTEND, link, params)


def authorize(url: str) -> dict[str, str]:
    """The browser at the tool's authorize page, Approve pressed: the query it is sent back with."""
    page = httpx.get(url, follow_redirects=False, timeout=10.0)
    assert page.status_code == 200 and 'value="approve"' in page.text, page.text
    form = dict(parse_qsl(urlsplit(url).query)) | {"decision": "approve"}
    answer = httpx.post(url.split("?", 1)[0], data=form, follow_redirects=False, timeout=10.0)
    assert answer.status_code == 302, answer.text
    return dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
