"""The api's OpenAPI 3.1 contract, made from the route table (``functions.routes.table.ROUTES``) and the
pydantic models each route's :class:`~functions.routes.Doc` names. ``GET /openapi.json`` answers it;
``make openapi`` writes it to docs/api/openapi.json, which a test keeps equal to it. Imported only by
that route and tools: it imports every route's models. Why: docs/decisions/0031-the-api-contract-is-generated.md.
"""

import importlib
import json
import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import CoreSchema

from functions.routes import Doc, Route
from functions.routes.table import ROUTES
from shared.notify.services.channel_table import channel_names

type JSON = dict[str, Any]

VERSION = "1"
REF = "#/components/schemas/{model}"
ERROR = "models.Error"
SCOPE, SESSION_ONLY = "x-scope", "x-session-only"  # the extensions an operation's security has
ROLE = "x-role"  # the least role of the team that may call it (docs/security.md, "Roles")
DESCRIPTION = """Called by the owner's console and by scripts, at `https://<public_domain>/api`.
Every operation says how it authenticates: `security` lists a session (the console's cookie,
`sessionCookie`, or `session` as a Bearer token) and, unless the operation is `x-session-only`, an
API key (`apiKey`) holding the scope in `x-scope`; the person (a key's maker) needs the role in
`x-role` or above (viewer, editor, admin, owner; 403 otherwise). A change made with the cookie also
needs the console's `Origin` and its `X-CSRF-Token` (403 otherwise).
A refusal or failure answers `{"error", "reason"}` (the `Error` schema). A method a path does not
take is a 405 whose `Allow` header lists those it does; a path the api does not know is a 404."""
SECURITY_SCHEMES: JSON = {
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "__Host-na_session",
        "description": "The console's session, set by the connect's callback (7 days), HttpOnly; `na_session` "
        "on a plain-http frontend (the local stack). A POST, PUT, PATCH or DELETE made with it needs the "
        "console's Origin and the X-CSRF-Token of GET /session, else 403.",
    },
    "session": {
        "type": "http",
        "scheme": "bearer",
        "description": "The session as a Bearer token (tests, tools): it may do all an owner may, "
        "and no CSRF token is asked for (no other site's page can send this header).",
    },
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "na_<key_id>_<secret>",
        "description": "An API key of the workspace (POST /api-keys), for scripts: only operations that "
        "are not x-session-only, and only with the scope their x-scope names.",
    },
}
ERRORS = {
    400: "Invalid input: a body, query, header or path id; fields names what was wrong",
    401: "No credential (a session, an API key, a link's token), or one malformed, unknown, expired or ended",
    403: "Not allowed: an API key where a session is needed, or without the scope, or a role below the route's",
    404: "Not found: the workspace is not connected, or what the path names is not the caller's",
    409: "The state forbids it now; Retry-After when that will pass",
    413: "The body is larger than the api reads",
    429: "Too many requests (a person's or key's pace, or a daily bound); Retry-After says when to retry",
    502: "Notion or the service refused for good (reconnect_required: connect the workspace again)",
    503: "A passing failure of Notion or the service; Retry-After says when to try again",
}
RETRY_AFTER: JSON = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}
}
# What a cookie session must send its X-CSRF-Token with (functions.api.STATE_CHANGING; a test).
CSRF_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER: JSON = {
    "name": "X-CSRF-Token",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "With the session cookie: the session's CSRF token (GET /session), else 403",
}
# A request's body field an answer holds below its top: a link fills it from there (``_link``).
FROM_ANSWER = {"request_id": "/waiting/request_id"}
_ARG = re.compile(r"<(\w+)>")
type In = Literal["query", "header", "path"]
type Refs = dict[tuple[str, JsonSchemaMode], JSON]  # a model's name and mode -> its schema's $ref


class _Schemas(GenerateJsonSchema):
    """pydantic's JSON Schema without a title on each field (its name, spelt again)."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


def model_of(name: str) -> type[BaseModel]:
    """The model ``"<module>.<Class>"`` of ``functions.routes``, or ``"functions.<...>.<Class>"`` or
    ``"shared.<...>.<Class>"`` named in full."""
    module, _, cls = name.rpartition(".")
    if not module.startswith(("functions.", "shared.")):
        module = f"functions.routes.{module}"
    model: type[BaseModel] = getattr(importlib.import_module(module), cls)
    return model


def operations() -> Iterator[tuple[Route, str, Doc]]:
    """Every route and method of the table, with its Doc (ValueError naming a route without one)."""
    for route in ROUTES:
        if route.doc is None:
            raise ValueError(f"{route.methods} {route.path} has no Doc: the contract cannot describe it")
        for method in route.methods:
            yield route, method, route.doc


def _wanted(doc: Doc) -> Iterator[tuple[str, JsonSchemaMode]]:
    for name in (doc.body, doc.query, doc.headers, doc.path):
        if name:
            yield name, "validation"
    for answer in doc.answers.values():
        if answer and "/" not in answer:
            yield answer, "serialization"
    yield doc.error or ERROR, "serialization"


class _Made(NamedTuple):
    """What the operations share as they are made: model schemas, and the error answers named."""

    refs: Refs
    schemas: JSON
    refusals: JSON  # the error answers operations refer to, by name (added as they are)


def document() -> JSON:
    """The contract: OpenAPI 3.1.0, its schemas JSON Schema 2020-12 as pydantic writes them."""
    names = dict.fromkeys(w for _, _, doc in operations() for w in _wanted(doc))
    models = {(name, mode): model_of(name) for name, mode in names}
    pairs = [(m, mode) for (_, mode), m in models.items()]
    keys, defs = models_json_schema(pairs, ref_template=REF, schema_generator=_Schemas)
    refs: Refs = {named: keys[(model, named[1])] for named, model in models.items()}
    schemas: JSON = defs.get("$defs", {})
    if "NotificationChannel" in schemas:  # a name's form in the settings; the names: the channel table's
        schemas["NotificationChannel"]["enum"] = channel_names()
    paths: JSON = {}
    made = _Made(refs, schemas, {})
    for route, method, doc in operations():
        path = _ARG.sub(r"{\1}", route.path)
        paths.setdefault(path, {})[method.lower()] = _operation(route, method, doc, made)
    _link(paths, schemas)
    for _, _, doc in operations():  # parameter models became parameters: no schema refers to them
        for name in filter(None, (doc.query, doc.headers, doc.path)):
            schemas.pop(_component(refs[(name, "validation")]), None)
    tags = sorted({doc.tag for _, _, doc in operations()})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Notion Agent api", "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/api", "description": "The load balancer sends /api/* here without /api"}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {"schemas": schemas, "responses": made.refusals, "securitySchemes": SECURITY_SCHEMES},
    }


def _fields(answer: JSON, schemas: JSON) -> dict[str, str]:
    """The ids an answer's JSON body always has, each with its JSON pointer: its model's required
    fields (``/run_id``), and a list's first item's (``/runs/0/run_id``), named ``[]run_id``."""
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" not in schema:
        return {}
    model = schemas[_component(schema)]
    found = {f: f"/{f}" for f in model.get("required", [])}
    for name, prop in model.get("properties", {}).items():
        item = prop.get("items", {}) if prop.get("type") == "array" and name in found else {}
        if "$ref" in item:
            for f in schemas[_component(item)].get("required", []):
                found.setdefault(f"[]{f}", f"/{name}/0/{f}")
    return found


def _nullable_fields(answer: JSON, schemas: JSON) -> set[str]:
    """The top-level fields of an answer's model whose schema admits null."""
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" not in schema:
        return set()
    properties = schemas[_component(schema)].get("properties", {})
    return {name for name, prop in properties.items() if _nullable(prop)}


def _nullable(prop: JSON) -> bool:
    """Whether a property's schema admits null."""
    kinds = [prop.get("type"), *(branch.get("type") for branch in prop.get("anyOf", []))]
    return "null" in kinds or any(isinstance(k, list) and "null" in k for k in kinds)


def _link(paths: JSON, schemas: JSON) -> None:
    """OpenAPI links from each success answer to the operations its ids name (docs/decisions/0077).
    An answer holding ``run_id`` links to every ``/runs/{run_id}/…`` (not when it may be null); a list
    of runs, its first to the reads of one. A body field of :data:`FROM_ANSWER` is filled from where the answer has it."""
    ops = [(path, method, op) for path, methods in paths.items() for method, op in methods.items()]
    for source_path, source_method, source in ops:
        for status, answer in source["responses"].items():
            fields = _fields(answer, schemas) if status.startswith("2") else {}
            nullable = _nullable_fields(answer, schemas)
            links: JSON = {}
            for path, method, target in ops:
                args = [p["name"] for p in target.get("parameters", []) if p["in"] == "path"]
                # an id (not a name an answer may hold too); from a list, only to a read
                listed = "" if all(a in fields for a in args) else "[]" * (method == "get")
                if not args or not all(a.endswith("_id") and listed + a in fields for a in args):
                    continue
                if any(listed + a in nullable for a in args):
                    continue  # a null id would make the path's segment empty: another route, not this one
                if (path, method) == (source_path, source_method):
                    continue
                link: JSON = {
                    "operationId": target["operationId"],
                    "parameters": {f"path.{a}": f"$response.body#{fields[listed + a]}" for a in args},
                }
                body = target.get("requestBody", {}).get("content", {}).get("application/json", {})
                wanted = set(schemas[_component(body["schema"])].get("required", [])) if body else set()
                filled = {
                    f: f"$response.body#{pointer}"
                    for f, pointer in FROM_ANSWER.items()
                    if f in wanted and pointer.split("/")[1] in fields
                }
                if filled:
                    link["requestBody"] = filled
                links[target["operationId"]] = link
            if links:
                answer["links"] = links


def text() -> str:
    """:func:`document` as written to docs/api/openapi.json: keys sorted, a newline at the end."""
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _component(ref: JSON) -> str:
    return str(ref["$ref"]).rsplit("/", 1)[1]


def _operation(route: Route, method: str, doc: Doc, made: _Made) -> JSON:
    refs, schemas = made.refs, made.schemas

    def parameters(name: str, where: In) -> list[JSON]:
        return _parameters(schemas[_component(refs[(name, "validation")])], where) if name else []

    args = _ARG.findall(route.path)
    params = parameters(doc.path, "path") or [_path_arg(a) for a in args]
    csrf = [CSRF_HEADER] if not route.public and method in CSRF_METHODS else []
    if sorted(p["name"] for p in params) != sorted(args):
        raise ValueError(f"{route.path}: its path model names {[p['name'] for p in params]}, not {args}")
    op: JSON = {
        "summary": doc.summary,
        "tags": [doc.tag],
        "operationId": doc.operation or _operation_id(route),
        "parameters": params + parameters(doc.query, "query") + parameters(doc.headers, "header") + csrf,
        "responses": _responses(route, doc, refs, made.refusals),
    } | _security(route)
    if doc.body:
        content = {"application/json": {"schema": refs[(doc.body, "validation")]}}
        op["requestBody"] = {"required": doc.body_required, "content": content}
    if not op["parameters"]:
        del op["parameters"]
    return op


def _operation_id(route: Route) -> str:
    """``<module>_<function>`` of the route's handler, its module's name within ``functions.routes``."""
    return f"{route.handler.__module__.rsplit('.', 1)[1]}_{route.handler.__name__}"


def _security(route: Route) -> JSON:
    if route.public:
        return {"security": [], "description": "Public: no session or API key."}
    sessions: list[JSON] = [{"sessionCookie": []}, {"session": []}]
    role = f" The person's role: {route.role} or above."
    if route.session_only:
        said = "A session only: an API key is refused (403)." + role
        return {"security": sessions, SESSION_ONLY: True, ROLE: route.role, "description": said}
    said = f"A session, or an API key with the scope `{route.scope}`." + role
    return {
        "security": [*sessions, {"apiKey": [route.scope]}],
        SCOPE: route.scope,
        ROLE: route.role,
        "description": said,
    }


def _parameters(model: JSON, where: In) -> list[JSON]:
    """One parameter per property of a parameter model's schema: a None is the parameter's absence."""
    required = set(model.get("required", []))
    found = []
    for name, prop in model["properties"].items():
        schema = {k: v for k, v in prop.items() if k not in {"title", "description"}}
        branches = schema.get("anyOf", [])
        if {"type": "null"} in branches and len(branches) == 2:
            schema = next(b for b in branches if b != {"type": "null"})
        param = {"name": name, "in": where, "required": where == "path" or name in required, "schema": schema}
        if "description" in prop:
            param["description"] = prop["description"]
        found.append(param)
    return found


def _path_arg(name: str) -> JSON:
    schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _implied(route: Route, doc: Doc) -> set[int]:
    """The errors the route's shape implies: authentication's (and a person's pace), a body's, a
    parameter's."""
    args = _ARG.findall(route.path)
    statuses = set() if route.public else {401, 403, 404, 429}
    if doc.body:
        statuses |= {400, 413}
    if doc.query or doc.headers or any(a.endswith("_id") for a in args):
        statuses.add(400)
    if args:  # the router's 404 for a path it does not know, or a path id that names nothing
        statuses.add(404)
    return statuses | set(doc.refusals)


def _responses(route: Route, doc: Doc, refs: Refs, refusals: JSON) -> JSON:
    """The route's answers, and its error answers as references to ``refusals`` (added there)."""
    responses: JSON = {str(status): _answer(status, answer, refs) for status, answer in doc.answers.items()}
    schema = refs[(doc.error or ERROR, "serialization")]
    for status in sorted(_implied(route, doc)):
        name = f"{_component(schema)}{status}"
        refusal: JSON = {"description": ERRORS[status], "content": {"application/json": {"schema": schema}}}
        refusals[name] = refusal | ({"headers": RETRY_AFTER} if status in (409, 429, 503) else {})
        responses[str(status)] = {"$ref": f"#/components/responses/{name}"}
    return responses


def _answer(status: int, answer: str, refs: Refs) -> JSON:
    if not answer:
        said: JSON = {"description": HTTPStatus(status).phrase}
        if status in (301, 302, 303, 307, 308):  # a redirect (not a 304)
            said["headers"] = {"Location": {"description": "Where to go", "schema": {"type": "string"}}}
        return said
    if "/" in answer:  # a media type: a page, or a document of its own
        schema: JSON = {"type": "string"} if answer.startswith("text/") else {"type": "object"}
        if answer == "text/event-stream":  # each event of the stream: its fields, as a client parses them
            fields = {name: {"type": "string"} for name in ("event", "data", "id")}
            schema = {"type": "object", "properties": fields, "required": ["data"]}
        return {"description": HTTPStatus(status).phrase, "content": {answer: {"schema": schema}}}
    first = (model_of(answer).__doc__ or "").strip().split("\n\n")[0]
    description = " ".join(first.split()) or HTTPStatus(status).phrase
    return {
        "description": description,
        "content": {"application/json": {"schema": refs[(answer, "serialization")]}},
    }
