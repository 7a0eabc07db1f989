"""Routes of the ``api`` function, one module per concern. Each module exposes ``ROUTES``: a list of
``Route``; ``functions/api.py`` gathers them. A handler gets the request context and answers a Reply."""

from collections.abc import Callable
from typing import NamedTuple

from flask import Request

from functions._http import Reply


class Call(NamedTuple):
    """What a handler receives: the request, the path arguments and the session's tenant (if any)."""

    request: Request
    args: dict[str, str]
    tenant_id: str


class Route(NamedTuple):
    path: str  # werkzeug rule syntax, e.g. "/runs/<run_id>"
    methods: tuple[str, ...]
    handler: Callable[[Call], Reply]
    public: bool = False  # True: no session needed (e.g. GET /connect, signed approval links)
