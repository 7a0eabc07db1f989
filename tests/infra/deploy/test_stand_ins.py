"""Local stand-ins held to what they stand in for, where no other test did it (docs/local-stack.md, the
stand-ins table): the gateway against the load balancer's URL map and the backend bucket's headers in
terraform/, the tasks emulator's task-name window against Cloud Tasks' documented hour."""

from pathlib import Path

import pytest

from local.gateway import CONSOLE_HEADERS, Routes
from local.stack import THREADS
from local.tasks_emulator import TasksEmulator
from local.tasks_emulator.__main__ import _arguments
from local.tasks_emulator._errors import ApiError
from local.tasks_emulator._pb import TaskPb, duration, seconds
from local.tasks_emulator._state import State
from local.tasks_emulator._tasks import _check_times
from tests.support.infra.load_balancer import DOMAIN, Routed, console_headers, route
from tools.infra_drift import Terraform

FUNCTIONS = {"http://api": "api", "http://oauth": "oauth_callback", "http://webhook": "notion_webhook"}
# What `make web` builds: the page and its hashed assets (web/dist).
BUILT = ("index.html", "assets/app.3f2a9c1b.js", "assets/app.9e8d7c6b.css")
PATHS = [
    *("/api/connect", "/api/runs", "/api/runs/r1/approve", "/api/links/eyJ0.sig", "/api/openapi.json"),
    *("/oauth/callback", "/notion/webhook", "/", "/index.html", "/favicon.ico"),
    *("/assets/app.3f2a9c1b.js", "/assets/app.9e8d7c6b.css", "/assets/missing.js", "/runs/r1", "/assets"),
    *("/index.htm", "/static/app.js", "/api", "/apix/runs", "/connect", "/links/t", "/oauth/callback/"),
    *("/oauth", "/notion/webhook/x", "/plan", "/execute_step"),
]


def gateway(routes: Routes, path: str) -> tuple[str, str] | int:
    """Where the local gateway sends ``path``: (function, path it receives), "console", or 404."""
    upstream = routes.upstream(path)
    if upstream is not None:
        return FUNCTIONS[upstream[0]], upstream[1]
    return ("console", path) if routes.file(path) else 404


def load_balancer(tf: Terraform, dist: Path, path: str) -> Routed:
    """Where the load balancer sends ``path``; the bucket answers 404 for an object it does not hold
    (its main page serves ``/``)."""
    routed = route(tf, DOMAIN, path)
    if isinstance(routed, tuple) and routed[0] == "console":
        held = path == "/" or (dist / path.lstrip("/")).is_file()
        return routed if held else 404
    return routed


@pytest.mark.parametrize("path", PATHS)
def test_the_gateway_routes_every_path_as_the_load_balancer_does(
    tf: Terraform, tmp_path: Path, path: str
) -> None:
    for name in BUILT:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    routes = Routes("http://api", "http://oauth", "http://webhook", tmp_path)
    local, deployed = gateway(routes, path), load_balancer(tf, tmp_path, path)
    if isinstance(deployed, tuple) and deployed[0] in ("oauth_callback", "notion_webhook"):
        # The one difference: these two functions get `/` locally, their public path when deployed;
        # neither reads its path (functions/oauth_callback.py, functions/notion_webhook.py).
        assert local == (deployed[0], "/")
        for module in ("oauth_callback", "notion_webhook"):
            assert (
                "request.path" not in (Path(__file__).parents[3] / "functions" / f"{module}.py").read_text()
            )
    else:
        assert local == deployed


def test_the_gateway_sends_the_backend_buckets_headers_but_hsts(tf: Terraform) -> None:
    """HSTS is left out: the local origin is plain http, where a browser must not learn it."""
    deployed = console_headers(tf)
    assert deployed.pop("Strict-Transport-Security")
    assert deployed == CONSOLE_HEADERS


def test_the_tasks_emulator_keeps_a_used_task_name_for_an_hour() -> None:
    """Cloud Tasks: a task's name cannot be used again for about an hour after the task was deleted
    or executed. The emulator's window, as the local stack (its CLI) and the tests start it."""
    for window in (
        _arguments([]).name_reuse_window,
        TasksEmulator(port=0, admin_port=None)._state.name_reuse_window_s,
    ):
        state = State(window, 15.0)
        state.tombstones["projects/p/locations/r/queues/q/tasks/step-1"] = 1_000_000.0
        assert state.name_in_use("projects/p/locations/r/queues/q/tasks/step-1", 1_000_000.0 + 3599)
        assert not state.name_in_use("projects/p/locations/r/queues/q/tasks/step-1", 1_000_000.0 + 3601)


def test_each_local_function_serves_its_deployed_concurrency(tf: Terraform) -> None:
    """One instance of each function with terraform's THREADS (its max_instance_request_concurrency)."""
    functions = tf.locals["functions"]
    assert {t.value: n for t, n in THREADS.items()} == {
        key: fn["concurrency"] for key, fn in functions.items()
    }


def test_the_tasks_emulators_dispatch_deadline_is_cloud_tasks_range() -> None:
    """Cloud Tasks: dispatch_deadline defaults to 10 minutes and must lie in [15 s, 30 min]."""
    defaults = _arguments([])  # as the local stack starts the emulator
    state, now = State(defaults.name_reuse_window, defaults.min_dispatch_deadline), 1_000_000.0
    unset = TaskPb()
    _check_times(state, unset, now)
    assert seconds(unset.dispatch_deadline) == 600.0
    for allowed in (15.0, 1800.0):
        task = TaskPb()
        task.dispatch_deadline.CopyFrom(duration(allowed))
        _check_times(state, task, now)
    for refused in (14.0, 1801.0):
        task = TaskPb()
        task.dispatch_deadline.CopyFrom(duration(refused))
        with pytest.raises(ApiError, match="dispatch_deadline"):
            _check_times(state, task, now)
