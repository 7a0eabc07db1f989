"""/v1/...: version header, bearer token, injected faults and rate budget, then the route table."""

from __future__ import annotations

import uuid

from flask import Flask, Response, request

from local.notion_sandbox.errors import NotionError, missing_version
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
            if not request.headers.get("Notion-Version"):
                raise missing_version()
            ws = sandbox.workspace_for(token)
            workspace_id = ws.id
            sandbox.faults.check(token or "")
            body = json_body(request) if request.method in ("POST", "PATCH") else {}
            args = {k: v for k, v in request.args.items()}
            result = sandbox.call(ws, ws.bot_actor, request.method, path, body=body, args=args)
            response = json_response({**result, "request_id": str(uuid.uuid4())})
        except NotionError as error:
            response = error_response(error)
        except (KeyError, TypeError, ValueError, AttributeError, StopIteration) as exc:
            # Malformed input the handlers did not anticipate: still a Notion-shaped 400, never a crash page.
            response = error_response(
                NotionError(400, "validation_error", f"body failed validation: {exc!r}")
            )
        sandbox.log(request.method, "/v1/" + path, response.status_code, workspace_id, token)
        return response
