"""Cold-start hygiene: importing a target imports only what it uses, touches no network, builds nothing.

Each check runs in a fresh interpreter (an import is a one-time event per process). The child installs
an audit hook that fails on any socket or DNS call and records every file opened, replaces
``socket.socket.connect`` with one that raises, imports functions_framework and ``main`` the way a
cold start does, looks the target up, and reports the modules loaded, the clients that exist
(instances of client/channel/session classes our code created) and whether settings were read.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from functions.main import TARGETS
from shared import bootstrap
from tests.perf.coldstart.bench_coldstart import CLIENT_LIBRARIES, client_libraries, preloaded_ports

ROOT = Path(__file__).resolve().parents[4]
KNOWN_CLIENTS = sorted({lib for libs in CLIENT_LIBRARIES.values() for lib in libs})
NEVER = ("google.cloud.aiplatform", "vertexai")

_CHILD = textwrap.dedent(
    """
    import gc, json, os, re, socket, sys

    opened = []
    def audit(event, args):
        if event.startswith(("socket.", "http.client.", "urllib.")) or event == "ssl.wrap_socket":
            raise RuntimeError(f"network access at import: {event} {args!r}"[:300])
        if event == "open" and isinstance(args[0], str):
            opened.append(args[0])
    sys.addaudithook(audit)

    def refuse(self, *args):
        raise RuntimeError(f"socket.connect at import: {args!r}")
    socket.socket.connect = socket.socket.connect_ex = refuse

    kind, name = sys.argv[1], sys.argv[2]
    if kind == "target":
        import functions_framework  # noqa: F401  (a cold start imports the framework first)
        import main
        getattr(main, name)
    else:
        __import__(name)
    gc.unfreeze()  # main freezes what a target loaded (paused_collector); get_objects skips frozen objects

    ours = ("main", "functions", "shared")
    library_globals = {
        id(value)
        for mod_name, mod in list(sys.modules.items())
        if mod is not None and not mod_name.startswith(ours)
        for value in list(getattr(mod, "__dict__", {}).values())
    }
    client_class = re.compile(r"(Client|Channel|Session|PoolManager|Connection|Transport)$")
    libraries = ("google.", "notion_client", "grpc", "httpx", "requests", "urllib3", "aiohttp")
    clients = sorted(
        f"{type(obj).__module__}.{type(obj).__qualname__}"
        for obj in gc.get_objects()
        if not isinstance(obj, type)
        and isinstance(type(obj).__dict__.get("__module__"), str)
        and type(obj).__module__.startswith(libraries)
        and client_class.search(type(obj).__name__)
        and id(obj) not in library_globals
    )
    settings_read = any(
        type(obj).__name__ == "Settings" and type(obj).__module__.startswith("shared.")
        for obj in gc.get_objects()
    )
    bootstrap = sys.modules.get("shared.bootstrap")
    built = bool(bootstrap and bootstrap.root.cache_info().currsize)
    pydantic_main, type_adapter = sys.modules.get("pydantic.main"), sys.modules.get("pydantic.type_adapter")
    schemas_built = sorted(
        f"{obj.__module__}.{obj.__qualname__}"
        for obj in gc.get_objects()
        if pydantic_main and isinstance(obj, type) and issubclass(obj, pydantic_main.BaseModel)
        and obj.__module__.startswith(ours) and obj.__dict__.get("__pydantic_complete__")
    ) + sorted(
        f"TypeAdapter in {mod_name}"
        for mod_name, mod in list(sys.modules.items())
        if type_adapter and mod_name.startswith(ours)
        for value in list(getattr(mod, "__dict__", {}).values())
        if isinstance(value, type_adapter.TypeAdapter) and value.pydantic_complete
    )
    print(json.dumps({
        "modules": sorted(sys.modules),
        "clients": clients,
        "settings_read": settings_read,
        "container_built": built,
        "schemas_built": schemas_built,
        "opened": opened,
    }))
    """
)


def _child(kind: str, name: str, source: Path, tmp_path: Path) -> dict[str, Any]:
    secrets = tmp_path / "secrets.json"
    secrets.write_text('{"session-signing-key": "not-a-real-key"}')
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NA_LOCAL_SECRETS_FILE": str(secrets),
        "NA_OUTBOX_DIR": str(tmp_path / "outbox"),
        "NA_FIRESTORE_EMULATOR_HOST": "127.0.0.1:9",
        "NA_TASKS_EMULATOR_HOST": "127.0.0.1:9",
    }
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, name],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"importing {kind} {name} failed:\n{result.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    report["secrets_file"] = str(secrets)
    return report


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory laid out like the deployed source: ``main.py`` at its root next to the packages."""
    directory = tmp_path_factory.mktemp("source")
    (directory / "main.py").write_bytes((ROOT / "functions" / "main.py").read_bytes())
    for package in ("functions", "shared"):
        (directory / package).symlink_to(ROOT / package, target_is_directory=True)
    return directory


class _Reports:
    """One fresh-interpreter import per target, made on first use and shared by the checks below."""

    def __init__(self, source: Path, tmp: pytest.TempPathFactory) -> None:
        self._source, self._tmp = source, tmp
        self._done: dict[str, dict[str, Any]] = {}

    def __getitem__(self, target: str) -> dict[str, Any]:
        if target not in self._done:
            self._done[target] = _child("target", target, self._source, self._tmp.mktemp(target))
        return self._done[target]


@pytest.fixture(scope="module")
def reports(source: Path, tmp_path_factory: pytest.TempPathFactory) -> _Reports:
    return _Reports(source, tmp_path_factory)


def _loaded(report: dict[str, Any], library: str) -> bool:
    return library in report["modules"]


@pytest.mark.parametrize("target", TARGETS)
def test_target_imports_only_the_clients_of_its_ports(target: str, reports: _Reports) -> None:
    report = reports[target]
    expected = set(client_libraries(target))
    loaded = {lib for lib in KNOWN_CLIENTS if _loaded(report, lib)}
    assert loaded == expected, f"{target} preloads {preloaded_ports(target)}"
    assert not [m for m in report["modules"] if m.startswith(NEVER)]
    if "model" not in preloaded_ports(target):
        assert not _loaded(report, "google.genai")


def test_api_loads_the_adapters_only_some_routes_use_with_their_first_request(
    reports: _Reports,
) -> None:
    """api's cold start loads what every request runs (authentication's adapters), not the adapters of
    the ports only some routes use. Its routes' modules it loads: the table holds their handlers."""
    modules = set(reports["api"]["modules"])
    assert "functions.routes.table" in modules
    every_request = {bootstrap._MODULES[p] for p in ("secrets", "tenants", "api_keys")}
    some_routes = {bootstrap._MODULES[p] for p in ("store", "queue", "notion_oauth", "notifications")}
    assert every_request <= modules and not some_routes & modules


def test_preload_refuses_an_adapter_of_a_port_not_preloaded() -> None:
    with pytest.raises(ValueError, match="not among the ports"):
        bootstrap.preload("secrets", adapters=("store",))


def test_notion_webhook_never_imports_the_model_sdk(reports: _Reports) -> None:
    report = reports["notion_webhook"]
    assert not [m for m in report["modules"] if m.startswith(("google.genai", *NEVER))]


# api's route table holds its handlers, so their modules (the settings route's checks) load with it.
@pytest.mark.parametrize("target", ("oauth_callback", "notion_webhook", "notify"))
def test_targets_without_code_tools_do_not_load_the_code_models(target: str, reports: _Reports) -> None:
    assert not _loaded(reports[target], "shared.code.domain.code")
    assert not _loaded(reports[target], "shared.workspace.domain.code_names")  # see below


@pytest.mark.parametrize("target", [t for t in TARGETS if t != "api"])
def test_no_target_loads_the_settings_input_checks_at_import(target: str, reports: _Reports) -> None:
    """Every target loads stored settings (shared.workspace.domain.settings); only api's settings route checks
    what an owner sends (those checks, the repository and project name checks and zone lookup they
    use load with the api's route table), so no other target loads them."""
    assert _loaded(reports[target], "shared.workspace.domain.settings")
    assert not _loaded(reports[target], "shared.workspace.domain.settings_input")


@pytest.mark.parametrize("target", TARGETS)
def test_importing_a_target_builds_nothing_and_reads_no_secret(target: str, reports: _Reports) -> None:
    report = reports[target]  # the child already failed on any network access
    assert report["clients"] == []
    assert not report["settings_read"]
    assert not report["container_built"]
    assert report["secrets_file"] not in report["opened"]
    assert report["schemas_built"] == [], "our models build their validators on first use (Schema)"


def test_every_port_has_its_client_libraries_listed() -> None:
    missing = set(bootstrap._MODULES) - set(CLIENT_LIBRARIES)
    assert not missing, f"add {sorted(missing)} to CLIENT_LIBRARIES in shared/bootstrap/base.py"


@pytest.mark.parametrize("module", sorted(set(bootstrap._MODULES.values())))
def test_client_libraries_table_matches_each_adapter(module: str, tmp_path: Path) -> None:
    """The bench's floor is only honest if each port's listed libraries are what its adapter loads."""
    report = _child("module", module, ROOT, tmp_path)
    loaded = {lib for lib in KNOWN_CLIENTS if _loaded(report, lib)}
    ports = [port for port, path in bootstrap._MODULES.items() if path == module]
    assert {port: set(CLIENT_LIBRARIES[port]) for port in ports} == dict.fromkeys(ports, loaded)
    assert report["clients"] == []


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_preloads_only_known_ports(target: str) -> None:
    unknown = set(preloaded_ports(target)) - set(bootstrap._MODULES)
    assert not unknown


def _fake_main(tmp_path: Path, body: str) -> Path:
    directory = tmp_path / "fake"
    directory.mkdir()
    body += "\nimport gc\ngc.freeze()"  # as the real main does after loading a target
    (directory / "main.py").write_text(f"def __getattr__(name):\n{textwrap.indent(body, '    ')}\n")
    return directory


def test_the_check_catches_network_access_at_import(tmp_path: Path) -> None:
    fake = _fake_main(tmp_path, "import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=1)")
    with pytest.raises(AssertionError, match="network access at import"):
        _child("target", "anything", fake, tmp_path)


def test_the_check_catches_a_model_validator_built_at_import(tmp_path: Path) -> None:
    """A cold path defines our models but builds none of their validators (decision 0055: each is
    built on first use, ``shared.platform.domain.schema.Schema``); the check sees one that is."""
    build = "from shared.runs.domain.step_task import StepTask\nStepTask(tenant_id='t', run_id='r', step=1)"
    fake = _fake_main(tmp_path, build)
    (fake / "shared").symlink_to(ROOT / "shared", target_is_directory=True)
    report = _child("target", "anything", fake, tmp_path)
    assert "shared.runs.domain.step_task.StepTask" in report["schemas_built"]


def test_the_check_catches_a_client_built_at_import(tmp_path: Path) -> None:
    fake = _fake_main(tmp_path, "import grpc\nglobals()['channel'] = grpc.insecure_channel('127.0.0.1:9')")
    report = _child("target", "anything", fake, tmp_path)
    assert report["clients"] == ["grpc._channel.Channel"]


@pytest.mark.parametrize("target", TARGETS)
def test_no_target_builds_the_ports_protocols(target: str, reports: _Reports) -> None:
    """shared.platform.ports is for type checking (``if TYPE_CHECKING:`` wherever it is named): a cold start
    builds none of its Protocols; the records the ports exchange live in each capability's domain."""
    assert not _loaded(reports[target], "shared.platform.ports")


# The task bodies each small target sends or receives (one module per body, ``<kind>_task`` in the
# domain of the capability that receives it; shared.platform.domain.tasks is their envelope).
TASK_BODIES = {"notion_webhook": {"plan", "rows"}, "oauth_callback": {"notify"}, "notify": {"notify", "hook"}}


@pytest.mark.parametrize("target", sorted(TASK_BODIES))
def test_a_target_loads_only_the_task_bodies_it_uses(target: str, reports: _Reports) -> None:
    modules = reports[target]["modules"]
    loaded = {
        m.rsplit(".", 1)[1].removesuffix("_task")
        for m in modules
        if m.startswith("shared.") and ".domain." in m and m.endswith("_task")
    }
    assert loaded == TASK_BODIES[target]


# What a step loads only when it asks the model (a repair, a draft's prompt) or an approval names pages.
MODEL_OR_APPROVAL_ONLY = (
    "shared.engine.agent.context",
    "shared.platform.prompts",
    "shared.engine.agent.plans",
)


@pytest.mark.parametrize("target", ("execute_step", "deploy"))
def test_a_step_function_loads_the_model_s_prompts_and_plans_with_the_step_that_needs_them(
    target: str, reports: _Reports
) -> None:
    """A step that acts as planned (most steps) builds no prompt and parses no plan; deploy's tools
    write no Notion text either."""
    modules = set(reports[target]["modules"])
    assert not modules & {
        *MODEL_OR_APPROVAL_ONLY,
        "shared.platform.domain.model_replies",
        "shared.platform.domain.model_calls",
    }
    if target == "deploy":
        assert not modules & {"shared.notion.services.notion_text", "shared.notion.domain.markdown"}
