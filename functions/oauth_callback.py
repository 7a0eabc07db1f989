"""``oauth-callback``: Notion's redirect after a person connects a workspace (HTTPS GET, public).

This version validates the redirect's query; exchanging the code arrives with the Notion issue and is
answered 501 until then.
"""

from flask import Request, Response

from functions._http import Reply, handle
from shared.errors import InvalidInput


def oauth_callback(request: Request) -> Response:
    def call() -> Reply:
        if request.args.get("error"):
            return {"connected": False, "reason": request.args["error"][:100]}, 200
        missing = [name for name in ("code", "state") if not request.args.get(name)]
        if missing:
            raise InvalidInput(f"the redirect lacks {' and '.join(missing)}", missing)
        return {"error": "not_implemented", "reason": "connecting a workspace is not available yet"}, 501

    return handle(request, ("GET",), call)
