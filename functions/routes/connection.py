"""Connection: start connecting a workspace (``GET /connect``, public) and disconnect it."""

from typing import Literal

from flask import Response
from pydantic import Field

from functions._http import Reply, reply
from functions.routes import Call
from shared.domain.connection import NONCE_COOKIE
from shared.domain.schema import Schema
from shared.services.connect import begin_connect, disconnect


class ConnectStart(Schema):
    """Where to send the browser (Notion's consent page); the answer sets the nonce cookie the
    callback checks."""

    authorize_url: str
    expires_in_s: int = Field(description="How long the connect may take")


class Disconnected(Schema):
    """The workspace is disconnected: its token revoked, its sessions and API keys ended."""

    revoked: Literal[True]
    tenant_id: str
    runs_cancelled: int = Field(description="Runs that waited for a person or were paused")


def start_connect(call: Call) -> Reply:
    deps = call.container.connecting()
    start = begin_connect(deps)
    response: Response = reply({"authorize_url": start.authorize_url, "expires_in_s": start.expires_in_s})
    response.headers["Cache-Control"] = "no-store"
    samesite = deps.settings.connect_cookie_samesite
    response.set_cookie(
        NONCE_COOKIE,
        start.nonce,
        max_age=start.expires_in_s,
        path="/",
        httponly=True,
        secure=samesite == "None" or deps.settings.oauth_callback_url.startswith("https://"),
        samesite=samesite,
    )
    return response


def remove_connection(call: Call) -> Reply:
    c = call.container
    return disconnect(call.tenant_id, c.connecting(), c.stop_held_runs()), 200
