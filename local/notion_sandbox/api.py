"""/v1/...: the version header (``versions``: checked, the body and the answer as that version has
them), bearer token, injected faults and rate budget, then the route table. Each object's ``url`` in an
answer is where the sandbox's screen shows it (``pages.screen_url``), as Notion's is its web page."""

from __future__ import annotations

import uuid

from flask import Flask, Response, request

from local.notion_sandbox import versions
from local.notion_sandbox.errors import NotionError
from local.notion_sandbox.pages import with_screen_urls
from local.notion_sandbox.sandbox import Sandbox
from local.notion_sandbox.web import error_response, json_body, json_response


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer ") :].strip() if header.startswith("Bearer ") else None


def register_api(app: Flask, sandbox: Sandbox) -> None:
    @app.route("/v1/<path:path>", methods=["GET", "POST", "PATCH", "DELETE"])
    def notion_api(path: str) -> Response:
        token, workspace_id = bearer_token(), None
        try:
            version = versions.check(request.headers.get("Notion-Version"))
            ws = sandbox.workspace_for(token)
            workspace_id = ws.id
            sandbox.faults.check(token or "")
            body = json_body(request) if request.method in ("POST", "PATCH") else {}
            versions.check_request(version, request.method, path, body)
            args = {k: v for k, v in request.args.items()}
            result = sandbox.call(ws, ws.bot_actor, request.method, path, body=body, args=args)
            shaped = with_screen_urls(versions.shape(version, result), request.host_url, ws.key)
            response = json_response({**shaped, "request_id": str(uuid.uuid4())})
        except NotionError as error:
            response = error_response(error)
        except (KeyError, TypeError, ValueError, AttributeError, StopIteration) as exc:
            # Malformed input the handlers did not anticipate: still a Notion-shaped 400, never a crash page.
            response = error_response(
                NotionError(400, "validation_error", f"body failed validation: {exc!r}")
            )
        sandbox.log(request.method, "/v1/" + path, response.status_code, workspace_id, token)
        return response
