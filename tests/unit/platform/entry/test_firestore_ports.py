"""The Firestore ports a container builds from its table (``Built("<adapter class>")``): each is that
class of the port's adapter module (``_MODULES``), on the instance's one Firestore client."""

import importlib
from typing import cast

import pytest

from shared.bootstrap import _MODULES, Container, Port
from shared.bootstrap.base import Built
from shared.platform.config import Settings

FIRESTORE_PORTS = {
    name: held.firestore
    for name in dir(Container)
    if isinstance(held := getattr(Container, name), Built) and held.firestore
}


def test_the_table_names_the_firestore_ports() -> None:
    assert set(FIRESTORE_PORTS) >= {"store", "paces", "oauth_states", "api_keys", "notifications", "passages"}


@pytest.mark.parametrize("port", sorted(FIRESTORE_PORTS))
def test_a_firestore_port_is_its_adapter_on_the_one_client(
    port: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An emulator's address: the client is made without credentials, and nothing is sent.
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")
    container = Container(Settings(firestore_emulator_host="127.0.0.1:9", gcp_project="p"))
    adapter = getattr(container, port)
    expected = getattr(importlib.import_module(_MODULES[cast(Port, port)]), FIRESTORE_PORTS[port])
    assert type(adapter) is expected
    assert getattr(container, port) is adapter  # built once per instance
    assert container._firestore() in vars(adapter).values() or any(
        getattr(v, "_client", None) is container._firestore() for v in vars(adapter).values()
    )
