"""Models holding what their checks refuse: arguments as an older release may have recorded them."""

from typing import Any

from pydantic import BaseModel


def unchecked[M: BaseModel](valid: M, **fields: Any) -> M:
    """A copy of ``valid`` with ``fields`` set as given, unchecked (pydantic's ``model_copy`` does not
    validate): how a test gets a model its checks would refuse."""
    return valid.model_copy(update=fields)
