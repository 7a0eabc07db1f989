"""Every pydantic model of ours defers its validator to first use, and every one of them can be built.

Deferring moves schema errors (an unresolvable forward reference, a bad annotation) from import time to
the first request that uses the model; building them all here brings those errors back to the tests.
"""

import importlib
import pkgutil

import pytest
from pydantic import BaseModel, TypeAdapter
from pydantic_settings import BaseSettings

import functions
import shared
from shared.platform.domain.schema import Schema


def _our_modules() -> list[str]:
    names: list[str] = []
    for package in (shared, functions):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            names.append(info.name)
    return names


def _our_models() -> list[type[BaseModel]]:
    for name in _our_modules():
        importlib.import_module(name)
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [BaseModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith(("shared.", "functions.")):
                found.append(sub)
    return found


MODELS = _our_models()


def test_the_walk_finds_our_models() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"SettingsView", "SettingsInput", "RunSummary", "NewRun"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.__module__}.{m.__qualname__}")
def test_every_model_is_a_deferred_schema_that_builds(model: type[BaseModel]) -> None:
    if issubclass(model, BaseSettings):  # read once as an instance starts: nothing to defer
        assert model.model_rebuild(force=True) is not False and model.__pydantic_complete__
        return
    assert issubclass(model, Schema), (
        f"{model.__qualname__}: derive from shared.platform.domain.schema.Schema"
    )
    assert model.model_config.get("defer_build") is True
    assert model.model_rebuild(force=True) is not False
    assert model.__pydantic_complete__


def test_a_type_adapter_of_ours_at_module_level_is_deferred_and_builds() -> None:
    adapters = [
        value
        for name in _our_modules()
        for value in vars(importlib.import_module(name)).values()
        if isinstance(value, TypeAdapter)
    ]
    for adapter in adapters:
        assert adapter.rebuild(force=True) is not False
        assert adapter.pydantic_complete
