"""Hypothesis strategies made once: a composite strategy that builds ``st.sampled_from(...)`` (or any
strategy) anew at each draw pays hypothesis' checks of the new strategy (its recursive properties)
every time: profiled, a tenth to a fifth of the CPU of the fuzzing tests that did so."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from hypothesis import strategies as st


def sampled(options: Sequence[Any]) -> st.SearchStrategy[Any]:
    """``st.sampled_from(options)``, made once per distinct (hashable) ``options``. It draws exactly
    as a new ``st.sampled_from(options)`` would: the same choices give the same values."""
    return _sampled(tuple(options))


@cache
def _sampled(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)
