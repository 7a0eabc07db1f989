"""The base of every pydantic model of ours."""

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """A pydantic model whose validator is built on first use, not when its class is defined.

    Building a model's schema costs a few milliseconds; a function imports dozens of models (every task
    body, event and route) yet a request uses a handful. Deferred, a cold start builds only the models
    its requests touch. Subclasses' own ``model_config`` merges with this one.
    """

    model_config = ConfigDict(defer_build=True)
