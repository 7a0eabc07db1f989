"""The Firestore ports a container builds from its parts' declarations (``Built.firestore(module,
"<adapter class>")``): each is that class of the port's adapter module, on the instance's one
Firestore client, read through its capability's part."""

import importlib

import pytest

from shared.bootstrap import DECLARED, Container
from shared.platform.config import Settings

FIRESTORE_PORTS = {name: port for name, port in DECLARED.items() if port.adapter}


def test_the_table_names_the_firestore_ports() -> None:
    assert set(FIRESTORE_PORTS) >= {"store", "paces", "oauth_states", "api_keys", "notifications", "passages"}


@pytest.mark.parametrize("port", sorted(FIRESTORE_PORTS))
def test_a_firestore_port_is_its_adapter_on_the_one_client(
    port: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An emulator's address: the client is made without credentials, and nothing is sent.
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")
    container = Container(Settings(firestore_emulator_host="127.0.0.1:9", gcp_project="p"))
    adapter = container.port(port)
    declared = FIRESTORE_PORTS[port]
    assert type(adapter) is getattr(importlib.import_module(declared.module), declared.adapter)
    assert container.port(port) is adapter  # built once per instance
    client = container.instance.firestore()
    assert client in vars(adapter).values() or any(
        getattr(v, "_client", None) is client for v in vars(adapter).values()
    )
