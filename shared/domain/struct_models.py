"""A struct as pydantic sees it: a model of the same name, fields, constraints and descriptions.

The api's route models are pydantic models, and its contract is generated from them (decision 0031).
A route model may hold a struct (``shared.domain.structs``): pydantic checks it against the model
made here, and the struct itself checks it again. Loaded only by what loads pydantic.
"""

import functools
import operator
import types
import typing
from typing import Annotated, Any, Literal, TypeAliasType, Union, cast, get_args, get_origin

import msgspec
from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, TypeAdapter, create_model
from pydantic_core import PydanticUndefined, core_schema

from shared.domain.schema import Schema
from shared.domain.structs import Struct

_CONSTRAINTS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern", "description", "title")


_MODELS: dict[type[Struct], type[BaseModel]] = {}


class _Refusing(Schema):  # the model of a struct that refuses unknown fields
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Ignoring(Schema):  # the model of a struct that ignores them
    model_config = ConfigDict(extra="ignore", frozen=True)


def model_of(struct: type[Struct]) -> type[BaseModel]:
    """The pydantic model of ``struct``: its fields, their constraints and descriptions, its docstring,
    unknown fields refused or ignored as the struct does. A tagged struct's tag is a ``Literal`` field
    (with a default for ``_tag_has_default``); an ``_omit_defaults`` field is left out of dumps at its
    default."""
    if struct not in _MODELS:
        _MODELS[struct] = _made(struct)
    return _MODELS[struct]


def _made(struct: type[Struct]) -> type[BaseModel]:
    config = struct.__struct_config__
    fields: dict[str, Any] = {}
    if config.tag_field is not None:
        fields[config.tag_field] = (Literal[config.tag], config.tag if struct._tag_has_default else ...)
    hints = typing.get_type_hints(struct, include_extras=True)
    for info in msgspec.structs.fields(cast(type[msgspec.Struct], struct)):
        omit = None  # left out while it holds its default, as the struct does
        if info.name in struct._omit_defaults:
            omit = functools.partial(operator.eq, struct.field_default(info.name))
        if info.default is not msgspec.NODEFAULT:
            default = Field(info.default, exclude_if=omit)
        elif info.default_factory is not msgspec.NODEFAULT:
            default = Field(default_factory=info.default_factory, exclude_if=omit)
        else:
            default = Field(PydanticUndefined)
        fields[info.name] = (_translated(hints[info.name]), default)
    return create_model(
        struct.__name__,
        __base__=_Refusing if config.forbid_unknown_fields else _Ignoring,
        __doc__=struct.__doc__,
        __module__=struct.__module__,
        **fields,
    )


def core_schema_of(annotation: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
    """How a pydantic model checks and writes a field of ``annotation``, a type holding structs (a
    struct, a union of tagged structs, a list of them...). Its value is checked as the models of
    :func:`model_of` would check it (a 400 naming the field, as the rest of the body), then made the
    structs; it is described and written as those models would be."""
    translated = _translated(annotation)
    schema = handler.generate_schema(translated)
    models = _adapter(translated)

    def check(value: Any, validate: core_schema.ValidatorFunctionWrapHandler) -> Any:
        return msgspec.convert(models.dump_python(validate(value)), annotation)

    def write(value: Any) -> Any:  # written by the models, as they would be
        return models.validate_python(msgspec.to_builtins(value))

    return core_schema.no_info_wrap_validator_function(
        check,
        schema,
        serialization=core_schema.plain_serializer_function_ser_schema(write, return_schema=schema),
    )


class Bridged:
    """``Annotated[X, Bridged(X)]``: a pydantic field of ``X``, a type holding structs that pydantic
    cannot see through itself (a union of tagged structs: ``Annotated[Rule, Bridged(Rule)]``)."""

    def __init__(self, annotation: Any) -> None:
        self.annotation = annotation

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema_of(self.annotation, handler)


@functools.cache
def _adapter(translated: Any) -> TypeAdapter[Any]:
    return TypeAdapter(translated)


@functools.cache
def _alias(alias: TypeAliasType) -> TypeAliasType:
    return TypeAliasType(alias.__name__, _translated(alias.__value__))


def _translated(annotation: Any) -> Any:
    """``annotation`` with each struct as its model and each ``msgspec.Meta`` as pydantic's ``Field``; a
    union of tagged structs becomes a union discriminated by the tag."""
    if isinstance(annotation, typing.TypeAliasType):
        return _alias(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Struct):
        return model_of(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        metas = [m for m in args[1:] if isinstance(m, msgspec.Meta)]
        constraints = {k: getattr(m, k) for m in metas for k in _CONSTRAINTS if getattr(m, k) is not None}
        inner = _translated(args[0])
        return Annotated[inner, Field(**constraints)] if constraints else inner
    if origin in (Union, types.UnionType):
        members = [_translated(a) for a in args]
        union = functools.reduce(operator.or_, members)
        tags = {a.__struct_config__.tag_field for a in args if isinstance(a, type) and issubclass(a, Struct)}
        tagged = len(tags) == 1 and None not in tags
        return Annotated[union, Field(discriminator=tags.pop())] if tagged else union
    if origin in (list, tuple, dict, set, frozenset):
        return origin[tuple(_translated(a) if a is not Ellipsis else a for a in args)]
    return annotation
