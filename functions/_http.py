"""What every entry point shares: method check, body parsing, error mapping, trace and log context.

An invalid body is a 400 naming the fields; a JSON body beyond ``JSON_BODY_LIMIT`` is a 413, never
read whole; a wrong method is a 405. A project error gets its own status with a reason a person can
read. Anything unexpected is a 500 with an error id (the traceback goes to the log only).
"""

import logging
import math
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Request, Response, current_app, has_app_context, json
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from shared import bootstrap
from shared.bootstrap import Container
from shared.platform import logs
from shared.platform.domain.schema import problems
from shared.platform.errors import AgentError, InvalidInput, PayloadTooLarge

if TYPE_CHECKING:
    from shared.platform.ports import DeadLetterStore
    from shared.workspace.domain.connecting.connection import SessionCookie

log = logging.getLogger("functions")

Reply = tuple[Any, int] | Response  # (JSON payload, status), or a response built by hand (redirect, cookie)

# The largest JSON body read (413 beyond), far above every valid one. PATCH /settings with every
# list full (100 data source ids, 100 page ids, 50 repositories, 50 projects, the longest email) is
# ~25 KB, ~150 KB with every character \u-escaped. POST /runs (a 2,000-character goal) is ~24 KB
# escaped, a notify task (20,000 characters, UTF-8) ~80 KB. Parsing costs ~25 bytes of memory per
# byte of `[{},{},...]`: this bounds a request at a few MB on instances of 512 MiB.
JSON_BODY_LIMIT = 256 * 1024


CONTAINER = "NOTION_AGENT_CONTAINER"  # the app's config key of the container it answers from
MAIN = str(Path(__file__).with_name("main.py"))  # functions-framework's source of every target


def app(target: str, container: Container) -> Flask:
    """functions-framework's app for ``target`` answering from ``container`` (tests, the local stack)
    instead of the instance's :func:`shared.bootstrap.root`."""
    import functions_framework

    served: Flask = functions_framework.create_app(target, MAIN)  # type: ignore[no-untyped-call]  # functions-framework: unannotated
    served.config[CONTAINER] = container
    return served


def unrouted_as_json() -> None:
    """Make the app functions-framework is building (it loads a target inside its context) answer a
    path its router cannot match (one with a line break) as our router does. That is a JSON 404 with
    :data:`SECURITY_HEADERS`, not werkzeug's HTML page."""
    if has_app_context():
        current_app.register_error_handler(NotFound, _unrouted)


def _unrouted(error: NotFound) -> Response:
    return reply({"error": "not_found", "reason": "no such endpoint"}, 404, SECURITY_HEADERS)


def container_of() -> Container:
    """The container of the app serving this request: the one :func:`app` was given, else the
    instance's root."""
    given = current_app.config.get(CONTAINER) if has_app_context() else None
    return given if isinstance(given, Container) else bootstrap.root()


def reply(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json", headers=headers)


def json_object(request: Request, reason: str = "the body must be a JSON object") -> dict[str, Any]:
    """The body as a JSON object, read through :func:`read_body` (413 beyond ``JSON_BODY_LIMIT``);
    InvalidInput (400) for anything else: no JSON content type, not JSON, not an object, or nested
    too deeply to parse (RecursionError)."""
    data = None
    if request.is_json:
        try:
            data = json.loads(read_body(request, JSON_BODY_LIMIT))
        except (ValueError, RecursionError):
            data = None
    if not isinstance(data, dict):
        raise InvalidInput(f"{reason} (Content-Type: application/json)")
    return data


def parse_json[T: BaseModel](request: Request, model: type[T]) -> T:
    """The body as ``model``: pydantic's ValidationError (a 400 naming every field that is wrong,
    :func:`handle`) when it is not one."""
    return model.model_validate(json_object(request))


def retry_count(request: Request) -> int:
    """How many times Cloud Tasks tried this task before (``X-CloudTasks-TaskRetryCount``); 0 when
    absent or not a count (a call that is not a task's)."""
    value = request.headers.get("X-CloudTasks-TaskRetryCount", "")
    return int(value) if value.isdigit() else 0


class DeadLettered(Exception):
    """A task body that can never become valid, kept as a dead letter: answered 200, so the queue
    drops it instead of retrying it up to ``max_attempts``."""

    def __init__(self, letter_id: str, reason: str) -> None:
        super().__init__(reason)
        self.letter_id, self.reason = letter_id, reason


def parse_task[T: BaseModel](request: Request, model: type[T], queue: str, letters: "DeadLetterStore") -> T:
    """The task's body as ``model``; one that is not JSON, too large or off the model raises
    :class:`DeadLettered` after it is kept in ``letters`` (shared.platform.services.dead_letters)."""
    try:
        return parse_json(request, model)
    except ValidationError as exc:
        reason = "invalid field(s): " + ", ".join(f["field"] for f in _problems(exc))
    except (InvalidInput, PayloadTooLarge) as exc:
        reason = exc.reason
    body = b"" if request.content_length and request.content_length > JSON_BODY_LIMIT else request.get_data()
    from shared.platform.services import dead_letters  # only a bad body loads it: kept off every cold start

    letter = dead_letters.record(letters, queue, body[:JSON_BODY_LIMIT], reason)
    raise DeadLettered(letter.letter_id, reason)


def _problems(exc: ValidationError) -> list[dict[str, str]]:
    """Each field ``exc`` found wrong (dotted, ``(body)`` for the whole) and its problem: every one."""
    return [{"field": field, "problem": words} for field, words in problems(exc)]


def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 beyond ``limit`` bytes: by Content-Length before reading, and by
    a bounded read when the length is absent (chunked) or understated.

    Read with ``get_data``, which caches it: callers may look at the body before (``get_data()``, whose
    bytes are then measured here) or read it again after, and get the same bytes."""
    too_large = PayloadTooLarge(f"the body is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    # werkzeug then reads at most limit + 1 bytes of a stream the server ends (chunked: gunicorn),
    # whatever its Content-Length says; a stream it cannot bound it does not read at all.
    request.max_content_length = limit + 1
    try:
        body = request.get_data()
    except RequestEntityTooLarge:
        raise too_large from None
    if len(body) > limit:
        raise too_large
    return body


def _invalid(exc: ValidationError) -> Response:
    fields = _problems(exc)
    reason = "invalid field(s): " + ", ".join(f["field"] for f in fields)
    return reply({"error": "invalid_input", "reason": reason, "fields": fields}, 400)


# On every answer unless it sets its own: no MIME sniffing, HTTPS only from the first visit on (the
# load balancer redirects plain HTTP), nothing cached (answers carry a tenant's data). A JSON answer
# opened as a page runs and loads nothing (the pages of _pages.py allow their own script).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def secured(response: Response) -> Response:
    """``response`` with each of :data:`SECURITY_HEADERS` it does not set itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def set_session_cookie(response: Response, cookie: "SessionCookie", session: str, max_age: int) -> None:
    """Set the session cookie (``max_age`` 0 and no ``session``: clear it). HttpOnly: no script reads
    it. SameSite=Lax: Notion's cross-site redirect to the callback stores it, a cross-site POST does
    not carry it. Host-only and Path=/, as the ``__Host-`` name requires."""
    response.set_cookie(
        cookie.name, session, max_age=max_age, path="/", secure=cookie.secure, httponly=True, samesite="Lax"
    )


def handle(request: Request, methods: tuple[str, ...] | None, call: Callable[[Container], Reply]) -> Response:
    """Run ``call`` with the app's container (:func:`container_of`) for an allowed method inside the
    request's trace, mapping every failure; the answer carries :data:`SECURITY_HEADERS`.

    ``methods`` None: ``call`` answers every method itself (the api's router: 404 for a path it does
    not know, 405 naming the methods of one it does)."""
    return secured(_answer(request, methods, call))


def _answer(
    request: Request, methods: tuple[str, ...] | None, call: Callable[[Container], Reply]
) -> Response:
    trace = logs.trace_context(
        request.headers.get("X-Cloud-Trace-Context", ""), request.headers.get("traceparent", "")
    )
    with logs.log_context(trace=trace, execution_id=request.headers.get("Function-Execution-Id", "")):
        if methods is not None and request.method not in methods:
            reason = f"{request.method} is not allowed here; use {', '.join(methods)}"
            return reply(
                {"error": "method_not_allowed", "reason": reason}, 405, {"Allow": ", ".join(methods)}
            )
        try:
            result = call(container_of())
        except DeadLettered as exc:  # kept: the queue must not retry it
            result = {"dead_letter": exc.letter_id, "reason": exc.reason}, 200
        except ValidationError as exc:
            return _invalid(exc)
        except AgentError as exc:
            if exc.http_status >= 500:
                log.error("%s: %s", exc.code, exc.reason)
            body: dict[str, Any] = {"error": exc.code, "reason": exc.reason}
            if isinstance(exc, InvalidInput) and exc.fields:
                said = [*exc.problems, *[""] * len(exc.fields)][: len(exc.fields)]
                body["fields"] = [
                    {"field": f} | ({"problem": w} if w else {})
                    for f, w in zip(exc.fields, said, strict=True)
                ]
            wait = exc.retry_after_s
            return reply(body, exc.http_status, {"Retry-After": str(math.ceil(wait))} if wait else None)
        except Exception:  # anything else is a bug: 500 with an id, the traceback in the log only
            error_id = uuid.uuid4().hex[:12]
            log.exception("unhandled error %s", error_id)
            return reply({"error": "internal", "reason": "an unexpected error", "error_id": error_id}, 500)
        if isinstance(result, Response):
            return result
        payload, status = result
        return reply(payload, status)
