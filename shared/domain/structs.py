"""The base of the models on the functions' cold paths: msgspec structs, checked as pydantic's were.

A :class:`Struct` is checked however it is made, from data (:meth:`Struct.model_validate`) or by code
(``Struct(...)``, a copy): types, constraints, unknown fields, the rules of ``_check``. So a value that
breaks a rule never exists. Its methods carry pydantic's names: a caller does not tell the two kinds of
model apart while the domain moves (docs/decisions/0045-the-cold-paths-move-to-msgspec.md).
"""

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, cast, dataclass_transform

import msgspec

Invalid = msgspec.ValidationError  # a ValueError: what a Struct that breaks a rule raises

_KEPT = (datetime,)  # what a dump in Python's types keeps as it is (Firestore stores datetimes)
_state = threading.local()  # depth > 0: inside a conversion, which checks what it builds itself


if TYPE_CHECKING:  # what the class keywords below make a struct, said so a type checker sees it in subclasses

    @dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(msgspec.field,))
    class _Base:
        __struct_fields__: ClassVar[tuple[str, ...]]
        __struct_config__: ClassVar[msgspec.structs.StructConfig]

        def __init_subclass__(cls, **options: object) -> None: ...

else:
    _Base = msgspec.Struct


class Struct(_Base, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A model: immutable, unknown fields refused (override per class:
    ``class X(Struct, forbid_unknown_fields=False)``), made with keywords only. msgspec applies
    ``kw_only`` to the fields of the class that says it, so a subclass lists its required fields first.

    Class settings. ``_field_checks`` (:func:`checks`) maps a field to a check, run before ``_check``:
    a ValueError says what is wrong, and a value returned normalizes the field. ``_omit_defaults``
    names the fields this struct's own dumps leave out while they hold their default.
    ``_tag_has_default``: its pydantic model (``struct_models``) gives the tag a default."""

    _field_checks: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    _omit_defaults: ClassVar[frozenset[str]] = frozenset()
    _tag_has_default: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if getattr(_state, "depth", 0) > 0:  # made by a conversion, which checked its fields
            self._check_fields()
            self._check()
            return
        checked = _convert(msgspec.to_builtins(self, builtin_types=_KEPT), type(self))  # as data would be
        for name in self.__struct_fields__:
            self._normalize(name, getattr(checked, name))

    def _check_fields(self) -> None:
        for name, check in self._field_checks.items():
            value = getattr(self, name)
            try:
                checked = check(value)
            except ValueError as exc:
                raise Refused(name, str(exc)) from None
            if checked is not value:
                self._normalize(name, checked)

    def _check(self) -> None:
        """Rules no field's constraints say (between fields, say): raise ValueError with a reason a
        person understands. May normalize a field (:meth:`_normalize`)."""

    def _normalize(self, name: str, value: Any) -> None:
        """Set field ``name`` of this immutable struct while it is being made (``_check``)."""
        msgspec.structs.force_setattr(cast(msgspec.Struct, self), name, value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """A field of a pydantic model may hold a struct (shared.domain.struct_models)."""
        from shared.domain.struct_models import core_schema_of

        return core_schema_of(cls, handler)

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """``data`` (a mapping as JSON or Firestore gives it) as this struct, or :data:`Invalid`."""
        return _convert(data, cls)

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> Self:
        """``data`` (JSON text) as this struct, or :data:`Invalid`."""
        with _converting():
            return msgspec.json.decode(data, type=cls)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return cls.__struct_fields__

    @classmethod
    def field_default(cls, name: str) -> Any:
        """The default of field ``name`` (a fresh one, for a factory); a KeyError if it has none."""
        for info in _fields(cls):
            if info.name != name:
                continue
            if info.default is not msgspec.NODEFAULT:
                return info.default
            if info.default_factory is not msgspec.NODEFAULT:
                return info.default_factory()
        raise KeyError(name)

    def model_dump(
        self,
        *,
        mode: Literal["python", "json"] = "python",
        include: set[str] | None = None,
        exclude: set[str] | None = None,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """The fields as builtins (nested structs as dicts, enums as their values), those ``include``
        names (all: None) less those ``exclude`` names and, with ``exclude_none``, those that are None.
        ``python`` mode keeps datetimes and tuples; ``json`` mode gives what JSON would carry (ISO 8601
        text, lists). The ``_omit_defaults`` fields holding their default are left out."""
        if mode == "json":
            dumped: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(self))
        else:
            dumped = msgspec.to_builtins(self, builtin_types=_KEPT)
        omitted = self._defaults_held()
        return {
            k: v
            for k, v in dumped.items()
            if (include is None or k in include)
            and k not in (exclude or ())
            and k not in omitted
            and not (exclude_none and v is None)
        }

    def model_dump_json(self) -> str:
        """The JSON text of :meth:`model_dump`."""
        if self._omit_defaults:
            return msgspec.json.encode(self.model_dump(mode="json")).decode()
        return msgspec.json.encode(self).decode()

    def _defaults_held(self) -> frozenset[str]:
        return frozenset(n for n in self._omit_defaults if getattr(self, n) == self.field_default(n))

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A copy with ``update``'s fields changed, checked as a new struct is."""
        return cast(Self, msgspec.structs.replace(cast(msgspec.Struct, self), **(update or {})))


_FIELDS: dict[type, tuple[msgspec.structs.FieldInfo, ...]] = {}


def _fields(cls: type[Struct]) -> tuple[msgspec.structs.FieldInfo, ...]:
    """``cls``'s fields, read once: msgspec reads them from the annotations at every call (a race
    reads them twice, alike)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = msgspec.structs.fields(cast(type[msgspec.Struct], cls))
    return found


@contextmanager
def trusting() -> Iterator[None]:
    """Structs made by code inside it are not converted again, only checked by their ``_check``:
    for a pure function that makes them from checked values, as a reducer does (``runs.apply``)."""
    with _converting():
        yield


def convert(data: Any, into: Any) -> Any:
    """``data`` as ``into``, a type holding structs (a union of tagged structs, say), or :data:`Invalid`."""
    return _convert(data, into)


def _convert[T](data: Any, into: type[T]) -> T:
    with _converting():
        return msgspec.convert(data, into)


@contextmanager
def _converting() -> Iterator[None]:
    """While msgspec makes structs from data: each checks only its own ``_check`` (``__post_init__``)."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


class Refused(ValueError):
    """A rule of ``_check`` that field ``field`` breaks: a 400 names the field (or a part of it,
    dotted: ``properties.Status``)."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")


def checks(**by_field: Callable[[Any], Any]) -> Mapping[str, Callable[[Any], Any]]:
    """A struct's ``_field_checks``: ``checks(path=check_path)``."""
    return MappingProxyType(by_field)


_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_NAMED = re.compile(r"field `(?P<name>[^`]+)`")
# Refused's words: its field, which may name a part of it (``properties.Due date``), and why.
_REFUSED = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*(?:\.[^:\n]+)?): (?P<why>.*)$", re.DOTALL)


def problem(error: msgspec.ValidationError) -> tuple[str, str]:
    """The field ``error`` is about, dotted (``trigger.checks.0.to``; ``(body)`` for the whole), and
    what is wrong with it, in msgspec's words."""
    message = str(error)
    at = _AT.search(message)
    path = at.group("path") if at else ""
    words = message[: at.start()] if at else message
    parts = [p for p in re.split(r"[.\[\]]", path) if p]
    named = _NAMED.search(words)  # "Object missing required field `x`": the field is x
    refused = _REFUSED.match(words)
    if named and words.startswith("Object "):
        parts.append(named.group("name"))
    elif refused:
        parts.append(refused.group("name"))
        words = refused.group("why")
    return ".".join(parts) or "(body)", words
