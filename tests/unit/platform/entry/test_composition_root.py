"""The composition root is built by composition (decision 0151): a :class:`Container` holds one part
per capability, each part declares its ports once (``Built``: adapter module, client libraries,
builder), and the root's tables are derived from those declarations."""

import pytest

from shared.bootstrap import _MODULES, CLIENT_LIBRARIES, DECLARED, PORTS, Container
from shared.bootstrap.declare import Built, declared
from shared.code.adapters.github import GitHubCodeHost
from shared.platform.config import Settings
from tests.support.platform.fake_container import FakeContainer
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.workspace.workspace_fakes import FakeTenantStore
from tools.check_layout import inherited_roots, port_spellings


def _parts(container: Container) -> dict[str, object]:
    return {name: part for name, part in vars(container).items() if name != "instance"}


def test_no_class_of_the_root_or_githubs_adapter_inherits_one_of_ours_and_a_port_is_declared_once() -> None:
    assert inherited_roots() == []
    assert set(port_spellings()) == PORTS
    assert max(port_spellings().values()) == 1


def test_each_part_of_a_container_declares_ports_of_the_table_and_every_port_has_its_part() -> None:
    parts = _parts(Container(Settings()))
    by_part = {name: set(declared([type(part)])) for name, part in parts.items()}
    assert set().union(*by_part.values()) == PORTS
    assert sum(len(ports) for ports in by_part.values()) == len(PORTS)  # each port in one part
    assert set(_MODULES) == set(CLIENT_LIBRARIES) == PORTS
    assert all(DECLARED[port].module.startswith("shared.") for port in PORTS)


def test_a_port_declared_twice_is_refused() -> None:
    class One:
        queue: Built[object] = Built("m", (), lambda part: part)

    class Other:
        queue: Built[object] = Built("m", (), lambda part: part)

    with pytest.raises(TypeError, match="'queue' is declared twice"):
        declared([One, Other])


def test_the_parts_share_one_instance_what_was_given_and_what_was_built_once() -> None:
    tenants, queue = FakeTenantStore(), FakeQueue()
    container = Container(Settings(), tenants=tenants, queue=queue)
    assert {id(getattr(part, "instance", None)) for part in _parts(container).values()} == {
        id(container.instance)
    }
    assert container.workspace.tenants is tenants and container.platform.queue is queue
    assert container.notion.platform is container.platform  # held, the same part, not a copy
    held = container.workspace.request_tenants()
    assert held is not container.workspace.request_tenants()  # a bundle: one per request
    with pytest.raises(ValueError, match="no such port"):
        Container(Settings(), tenant=tenants)


def test_settings_replaced_on_the_container_are_the_ones_its_parts_read() -> None:
    container = FakeContainer()
    container.settings = Settings(webhook_event_ttl_s=400000)
    assert container.instance.settings.webhook_event_ttl_s == 400000
    assert container.intake().event_ttl_s == 400000


def test_githubs_adapter_holds_its_parts_on_one_rest_client() -> None:
    host = GitHubCodeHost("http://127.0.0.1:9", 1.0)
    assert host.git.rest is host.rest
    assert not [base for base in type(host).__mro__[1:] if base.__module__.startswith("shared.")]
