"""Structs holding what their checks refuse: arguments as an older release may have recorded them."""

import copy
from typing import Any, cast

import msgspec

from shared.domain.structs import Struct


def unchecked[S: Struct](valid: S, **fields: Any) -> S:
    """A copy of ``valid`` with ``fields`` set as given, unchecked (what pydantic's ``model_construct``
    made): a struct checks whatever it is made from, so this is how a test gets a refused one."""
    made = copy.copy(valid)
    for name, value in fields.items():
        msgspec.structs.force_setattr(cast(msgspec.Struct, made), name, value)
    return made
