"""What the composition root's parts are made of. A port's declaration is a :class:`Built`: its
production adapter module, the client libraries that module imports, and how it is built. The
:class:`Instance` every part holds has the settings, what the instance built (once each) and its one
Firestore client. A part is a plain class: its ports are its :class:`Built` attributes (its table,
:func:`declared`), its bundles its methods; it holds the other parts it uses, it inherits none."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, cast, overload

if TYPE_CHECKING:
    from shared.platform.config import Settings

FIRESTORE = ("google.cloud.firestore",)  # the client library of every Firestore adapter


class Instance:
    """One instance's settings and what it built from them, once each; ``adapters`` (by port name)
    are given, not built: tests pass fakes or the local stack's."""

    def __init__(self, settings: Settings, adapters: dict[str, object]) -> None:
        self.settings = settings
        self.built: dict[str, object] = dict(adapters)
        self._lock = threading.RLock()  # re-entrant: a builder may use another built object

    def once[T](self, key: str, build: Callable[[], T]) -> T:
        """What ``build`` returns, built at the first call for ``key`` and kept."""
        with self._lock:
            if key not in self.built:
                self.built[key] = build()
            return cast(T, self.built[key])

    def firestore(self) -> Any:
        """One Firestore client per instance, shared by every Firestore adapter."""

        def build() -> Any:
            from google.cloud import firestore

            if self.settings.firestore_emulator_host:
                # The client library finds the emulator only through this variable.
                os.environ["FIRESTORE_EMULATOR_HOST"] = self.settings.firestore_emulator_host
            return firestore.Client(
                project=self.settings.gcp_project, database=self.settings.firestore_database
            )

        return self.once("firestore", build)


class Part(Protocol):
    """What a port's declaration needs of the part that holds it."""

    instance: Instance


class Built[T]:
    """A port's declaration, as an attribute of its capability's part: its production adapter
    ``module`` (what :func:`shared.bootstrap.preload` imports), the client ``libraries`` that module
    imports, and ``build`` (the part → the adapter). Read on a part, it is the adapter: built at the
    first read, once per instance, or the one the instance was given."""

    def __init__(
        self, module: str, libraries: tuple[str, ...], build: Callable[[Any], T], adapter: str = ""
    ) -> None:
        self.module, self.libraries, self.build, self.adapter = module, libraries, build, adapter
        self.name = ""

    @classmethod
    def firestore(cls, module: str, adapter: str) -> Built[Any]:
        """A Firestore port: the class ``adapter`` of ``module``, on the instance's one client."""

        def build(part: Part) -> Any:
            return getattr(importlib.import_module(module), adapter)(part.instance.firestore())

        return cls(module, FIRESTORE, build, adapter)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, part: None, owner: type) -> Built[T]: ...

    @overload
    def __get__(self, part: Part, owner: type) -> T: ...

    def __get__(self, part: Part | None, owner: type) -> T | Built[T]:
        if part is None:
            return self
        return part.instance.once(self.name, lambda: self.build(part))


def declared(parts: Iterable[type]) -> dict[str, Built[Any]]:
    """Port name → its declaration, over the classes ``parts``; a name declared twice is an error
    (an instance keeps what it built by port name)."""
    table: dict[str, Built[Any]] = {}
    for part in parts:
        for port in (v for v in vars(part).values() if isinstance(v, Built)):
            if port.name in table:
                raise TypeError(f"port {port.name!r} is declared twice (in {part.__name__} too)")
            table[port.name] = port
    return table
