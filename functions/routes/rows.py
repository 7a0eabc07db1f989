"""How a row of the api's route table is made (:func:`route`, a :class:`Tag` for a concern's routes,
a mailed link's and an operator's routes) and checked (:func:`check`); the rows themselves are
:data:`functions.routes.table.ROUTES`."""

import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from functions import routes as routes_package
from functions._http import Reply
from functions.routes import Call, Doc, Handler, Route
from shared.workspace.domain.members import ROLES


def route(
    spec: str,
    handler: Handler,
    doc: Doc,
    *,
    public: bool = False,
    session_only: bool = False,
    scope: str = "read",
    role: str = "",
    paced: bool = True,
) -> Route:
    """The route ``"<METHOD> <path>"`` that ``handler`` serves (:class:`~functions.routes.Route`);
    ``role``: the least role that may call it (every route but a public one names one); ``paced``:
    False for an OAuth redirect back, which the person's pace does not count."""
    method, path = spec.split(" ")
    return Route(path, (method,), handler, public, session_only, scope, doc, role, paced)


class Tag:
    """The routes of one tag of the contract, with the access they have unless one says otherwise:
    ``tag(spec, handler, summary, answers, **doc)`` is a route (:class:`~functions.routes.Doc`'s
    other fields as keywords)."""

    def __init__(self, tag: str, *, public: bool = False, session_only: bool = False) -> None:
        self.tag, self.public, self.session_only = tag, public, session_only

    def __call__(
        self,
        spec: str,
        handler: Handler,
        summary: str,
        answers: Mapping[int, str],
        *,
        session_only: bool | None = None,
        scope: str = "read",
        role: str = "",
        paced: bool = True,
        **doc: Any,
    ) -> Route:
        only = self.session_only if session_only is None else session_only
        words = Doc(summary, self.tag, answers, **doc)
        return route(
            spec, handler, words, public=self.public, session_only=only, scope=scope, role=role, paced=paced
        )


LINK = "models.LinkRefusal"  # what a mailed link's routes answer when they refuse
LINK_BODY = "models.LinkToken"  # what a mailed link's page POSTs
HTML = {200: "text/html"}
MOVED = {303: ""}  # a redirect, without a body
MOVED_RUN = {200: "models.runs.RunMoved"}  # a decision's or a control's answer


def mailed_link(
    path: str,
    what: str,
    handlers: tuple[Handler, Handler, Handler, Handler],
    act_summary: str,
    answers: tuple[str, str],
    *,
    refusals: tuple[int, ...],
    tag: str = "links",
) -> list[Route]:
    """A mailed link's four public routes: the page it opens, what it would do (``answers[0]``), doing
    it (``answers[1]``; the act's handler names its path), and an older link's redirect to the page.
    ``refusals``: the statuses a link's token may be refused with."""
    page, preview, act, legacy = handlers
    link = Tag(tag, public=True)
    return [
        link(f"GET {path}", page, f"The page a mailed {what} link opens", HTML),
        link(
            f"POST {path}/preview",
            preview,
            f"What a {what} link would do",
            {200: answers[0]},
            body=LINK_BODY,
            error=LINK,
            refusals=refusals,
        ),
        link(
            f"POST {path}/{act.__name__}",
            act,
            act_summary,
            {200: answers[1]},
            body=LINK_BODY,
            error=LINK,
            refusals=(*refusals, 409),
        ),
        link(
            f"GET {path}/<token>",
            legacy,
            f"An older {what} link: to the page",
            MOVED,
            path="models.LinkTokenPath",
            refusals=(400,),
        ),
    ]


CHECK = {200: "models.doctor.DoctorCheck"}


def operator_route(spec: str, handler: Handler, summary: str, refusals: tuple[int, ...]) -> Route:
    """A route of the operator's (``make doctor``): public to the router, its handler checks the
    operator's ``Authorization: Doctor <token>`` (functions.routes.platform_api.doctor)."""
    answers = {202: CHECK[200]} if spec.startswith("POST") else CHECK
    doc = Doc(summary, "operations", answers, headers="models.doctor.DoctorHeaders", refusals=refusals)
    return route(spec, handler, doc, public=True)


def handlers_of(module: ModuleType) -> dict[str, Handler]:
    """The handlers ``module`` defines: its public functions of one ``Call`` that answer a ``Reply``, and
    the methods of each handler set it holds (an object whose ``handlers()`` names them)."""
    found: dict[str, Handler] = {}
    for name, value in vars(module).items():
        if (
            not name.startswith("_")
            and not inspect.isclass(value)
            and callable(getattr(value, "handlers", None))
        ):
            found |= {f"{name}.{method}": handler for method, handler in value.handlers().items()}
        if name.startswith("_") or not inspect.isfunction(value) or value.__module__ != module.__name__:
            continue
        params = list(inspect.signature(value).parameters.values())
        if [p.annotation for p in params] == [Call] and value.__annotations__.get("return") == Reply:
            found[name] = value
    return found


def check(routes: Iterable[Route], modules: Iterable[ModuleType]) -> None:
    """ValueError naming what is wrong unless each route has a callable handler and a role (a public
    route none), each handler of ``modules`` serves a route, and no method and path is served twice."""
    routes = list(routes)
    served: set[tuple[str, str]] = set()
    for route in routes:
        if not callable(route.handler):
            raise ValueError(f"{route.methods} {route.path} has no handler: {route.handler!r}")
        if route.public != (route.role not in ROLES):
            raise ValueError(
                f"{route.methods} {route.path}: a route names the least role that may call it "
                f"({', '.join(ROLES)}; docs/security.md, 'Roles'), a public route none"
            )
        for method in route.methods:
            if (method, route.path) in served:
                raise ValueError(f"{method} {route.path} is served twice")
            served.add((method, route.path))
    routed = {route.handler for route in routes}  # a handler set's method equals each of its binding
    for module in modules:
        for name, handler in handlers_of(module).items():
            if handler not in routed:
                raise ValueError(f"{module.__name__}.{name} handles no route: add its Route to ROUTES")


_TABLE = f"{routes_package.__name__}.table"


def _route_modules(path: str, prefix: str) -> Iterable[str]:
    for m in pkgutil.iter_modules([path]):
        if m.ispkg and m.name != "models":
            yield from _route_modules(f"{path}/{m.name}", f"{prefix}{m.name}.")
        elif not m.ispkg and f"{prefix}{m.name}" != _TABLE:
            yield f"{prefix}{m.name}"


def handler_modules() -> tuple[ModuleType, ...]:
    """Every module of functions.routes and its subpackages (one per capability) but the table and the
    models' package, imported: each function of theirs that takes a Call and answers a Reply is a
    route's handler. Walked by path, so the models (the contract's alone) are not loaded."""
    return tuple(
        importlib.import_module(name)
        for name in _route_modules(routes_package.__path__[0], f"{routes_package.__name__}.")
    )
