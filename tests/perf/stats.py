"""Paired estimates for the benchmarks: a ratio per pair of runs, its median and a 95 % interval.

Every benchmark compares a measured thing with its floor in pairs run back to back, so that a drift of
the shared machine's speed slows both sides of a pair and cancels in their ratio. The estimate is the
median of the pairs' ratios with a percentile-bootstrap interval of that median; a goal is met only
when the whole interval is within it, missed when the whole interval is beyond it, else inconclusive.
A benchmark may measure in batches until its interval is conclusive (``until_conclusive``): each of
its at most ``LOOKS`` looks then uses the confidence ``look_confidence`` gives, so that all of them
together are wrong no more often than one look at ``CONFIDENCE``.
Why: docs/decisions/0041-more-pairs-when-inconclusive.md.
"""

import random
import statistics
from collections.abc import Callable, Sequence
from typing import NamedTuple

CONFIDENCE = 0.95
RESAMPLES = 4000
SEED = 38  # the interval is a function of the data: the same pairs give the same interval
LOOKS = 3  # batches a benchmark may measure while its interval straddles the goal


class Estimate(NamedTuple):
    """The median of ``n`` paired ratios and its ``CONFIDENCE`` interval [lo, hi]."""

    median: float
    lo: float
    hi: float
    n: int

    def fields(self, name: str) -> str:
        """``name=<median> name_ci=<lo>-<hi>`` for a RESULT line."""
        return f"{name}={self.median:.3f} {name}_ci={self.lo:.3f}-{self.hi:.3f}"

    def overlaps(self, other: "Estimate") -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Pair i's ratio: run i of the numerator over run i of the denominator."""
    if len(numerators) != len(denominators) or not numerators:
        raise ValueError("paired ratios need two lists of the same, non-zero length")
    if any(d <= 0 for d in denominators):
        raise ValueError("a paired ratio's denominator must be positive")
    return [n / d for n, d in zip(numerators, denominators, strict=True)]


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median of the pairs' ratios (not the ratio of the medians)."""
    return statistics.median(ratios(numerators, denominators))


def median_ci(
    values: Sequence[float], confidence: float = CONFIDENCE, resamples: int = RESAMPLES, seed: int = SEED
) -> Estimate:
    """The median of ``values`` and a percentile-bootstrap interval of it (seeded: reproducible)."""
    if not values:
        raise ValueError("an estimate needs at least one value")
    rng = random.Random(seed)
    n = len(values)
    medians = sorted(statistics.median(rng.choices(values, k=n)) for _ in range(resamples))
    tail = (1.0 - confidence) / 2.0
    lo = medians[int(tail * (resamples - 1))]
    hi = medians[round((1.0 - tail) * (resamples - 1))]
    return Estimate(statistics.median(values), lo, hi, n)


def paired_estimate(
    numerators: Sequence[float], denominators: Sequence[float], confidence: float = CONFIDENCE
) -> Estimate:
    """:func:`median_ci` of the pairs' ratios."""
    return median_ci(ratios(numerators, denominators), confidence)


def look_confidence(looks: int = LOOKS, confidence: float = CONFIDENCE) -> float:
    """The confidence of each of ``looks`` looks at growing data such that the chance that any of
    them is wrong is at most ``1 - confidence`` (Bonferroni: each errs at most ``(1 - confidence) /
    looks``)."""
    if looks < 1:
        raise ValueError("a benchmark looks at its data at least once")
    return 1.0 - (1.0 - confidence) / looks


def until_conclusive(
    measure_batch: Callable[[], None], estimate: Callable[[], Estimate], goal: float, looks: int = LOOKS
) -> Estimate:
    """Measure a batch, then estimate; while the estimate straddles ``goal`` (:func:`verdict`
    inconclusive), measure another batch and estimate again on all of them, ``looks`` batches at
    most. ``estimate`` must use :func:`look_confidence` of ``looks``. Returns the last estimate."""
    look_confidence(looks)  # raises unless looks >= 1
    measure_batch()
    last = estimate()
    for _ in range(looks - 1):
        if verdict(last, goal) != "inconclusive":
            break
        measure_batch()
        last = estimate()
    return last


def verdict(estimate: Estimate, goal: float) -> str:
    """Against a goal of ``<= goal``: "met" (the interval within it), "not met" (beyond it) or
    "inconclusive" (the interval straddles it: more pairs, or a quieter machine, are needed)."""
    if estimate.hi <= goal:
        return "met"
    if estimate.lo > goal:
        return "not met"
    return "inconclusive"


def verdict_of_all(estimates: Sequence[Estimate], goal: float) -> str:
    """A goal every estimate must meet (a largest ratio): "not met" if one is beyond it, "met" if all
    are within it, else "inconclusive"."""
    verdicts = {verdict(e, goal) for e in estimates}
    if "not met" in verdicts:
        return "not met"
    return "met" if verdicts == {"met"} else "inconclusive"


VERDICTS = ("met", "not met", "inconclusive", "not measured")


def under(value: float, limit: float) -> str:
    """Against a goal of ``< limit`` for one figure (no interval): "met" or "not met"."""
    return "met" if value < limit else "not met"


def exit_status(verdicts: Sequence[str]) -> int:
    """The exit status of a benchmark that printed goals with these verdicts: 1 when one is "not
    met", else 0 (an inconclusive or unmeasured goal is printed as such and fails nothing). A verdict
    that is none of ``VERDICTS`` raises: a typo must not pass as met."""
    unknown = [v for v in verdicts if v not in VERDICTS]
    if unknown:
        raise ValueError(f"verdicts must be among {VERDICTS}, not {unknown}")
    return 1 if "not met" in verdicts else 0
