"""What the eval tasks' runs are billed for the model, with the previous release's prompt layout and
the newest in the same run (``make bench-tokens``, decision 0214).

The eval tasks (local/eval_agents.toml, what ``make eval-agents`` runs) run twice on the local stack,
once with ``NA_PROMPT_VERSION`` at :data:`BASELINE` (the previous release's layout) and once at the
newest, their functions calling Gemini through google-genai against a stand-in
(tests/support/platform/offline_gemini.py) that answers as the offline model does and reports usage as
Vertex AI does, cached tokens by its implicit cache's rules (a fresh cache for each layout). Every call
the stand-in answers is billed (a template's dry run's too); each run's tokens are read from its log's
``model_used`` events, as its budgets count them: input, of it cached, output, of it thinking, cost.

- ``billed_tokens_ratio``: the newest layout's billed tokens over the baseline's, every call; billed
  tokens are the uncached input, each cached input token at the tenth Vertex AI bills it, and the
  output (thinking included). The goal (docs/benchmarks.md), at most :data:`RATIO_GOAL`, is reported met or not;
  asserted: at most :data:`NO_WORSE`.
- ``cached_share``: of the newest layout's input tokens, the share the cache served.
- ``cost_per_run_usd_p50``: the median run's cost (USD, the default prices) with the newest layout;
  asserted no dearer than the baseline's (within :data:`NO_WORSE`).
- ``cost_ratio``: the runs' cost, newest over baseline (output at its own price).
- ``cache_floor_ratio``: the newest layout's bill if every input token were cached, over the
  baseline's: the least any layout could reach; the ratio is asserted at or above it.

Asserted too: both layouts did the same work (the same tasks passed, as many runs), and the run logs
count no more than the stand-in billed. Last line: ``RESULT billed_tokens_ratio=<r> cached_share=<s>
cost_per_run_usd_p50=<c> cost_ratio=<r> cache_floor_ratio=<f>``; a miss prints ``MISSED ...`` and exits
1. What only a deployment's billing can confirm: the real hit rate (a hit needs a recent request with
the same prefix on the same serving infrastructure) and a real model's thinking."""

import argparse
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.eval_agents import Outcome, evaluate, load_tasks
from local.stack import LocalStack, stop_on_signals
from shared.platform import prompts
from shared.platform.config import Settings
from shared.platform.domain.model_calls import CACHED_INPUT_SHARE
from tests.support.platform.google_credentials import service_account_file
from tests.support.platform.offline_gemini import Billed, OfflineGemini

BASELINE = "v2"  # the previous release's prompts: the step bound and the task before the catalogue
RATIO_GOAL = 0.7  # the goal: reported, met or not (decision 0214)
NO_WORSE = 1.02  # asserted: the newest layout bills no more than the baseline (2 %: runs' timing)


@dataclass(frozen=True)
class RunTokens:
    """One run's model calls, summed from its log's ``model_used`` events."""

    calls: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    thinking_tokens: int
    cost_usd: float

    @property
    def billed(self) -> float:
        """Tokens as billed: uncached input, cached input at its share, output (thinking included)."""
        return self.input_tokens - self.cached_tokens * (1 - CACHED_INPUT_SHARE) + self.output_tokens


def run_tokens(events: list[dict[str, Any]]) -> RunTokens:
    used = [e for e in events if e.get("kind") == "model_used"]
    return RunTokens(
        len(used),
        sum(int(e.get("input_tokens", 0)) for e in used),
        sum(int(e.get("cached_tokens", 0)) for e in used),
        sum(int(e.get("output_tokens", 0)) for e in used),
        sum(int(e.get("thinking_tokens", 0)) for e in used),
        sum(float(e.get("cost_usd", 0.0)) for e in used),
    )


@dataclass
class Layout:
    """One prompt version's pass over the tasks: each task's outcome, each run's tokens, and what the
    stand-in billed."""

    version: str
    outcomes: list[Outcome]
    runs: list[RunTokens]
    billed: list[Billed]

    def total(self, field: str) -> float:
        return float(sum(getattr(r, field) for r in self.runs))

    @property
    def passed(self) -> list[str]:
        return sorted(o.task for o in self.outcomes if o.passed)


def measure(
    version: str,
    names: list[str],
    workers: int,
    model: OfflineGemini,
    credentials: Path,
    thinking: dict[str, int] | None = None,
) -> Layout:
    """The tasks called ``names`` (all: empty) on a fresh stack writing prompts of ``version``, its
    thinking budgets the defaults but for ``thinking``'s (purpose: ``NA_MODEL_THINKING_<PURPOSE>``)."""
    tasks = [t for t in load_tasks() if not names or t.name in names]
    model.cache.clear()
    model.calls.clear()
    env = {
        "NA_MODEL_BACKEND": "vertex",
        "NA_MODEL_BASE_URL": model.url,
        "NA_MODEL_FALLBACK": "false",  # every call Gemini's: what is measured is its cache
        "NA_PROMPT_VERSION": version,
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials),
    } | {f"NA_MODEL_THINKING_{purpose.upper()}": str(n) for purpose, n in (thinking or {}).items()}
    with LocalStack(extra_env=env) as stack:
        outcomes = evaluate(stack, tasks, workers)
    runs = [run_tokens(events) for o in outcomes for events in o.end.events.values()]
    return Layout(version, outcomes, runs, list(model.calls))


def bill(calls: list[Billed]) -> dict[str, float]:
    """What the stand-in billed for ``calls``: prompt, cached, output (thinking included) and thinking
    tokens, and the billed tokens (uncached input, cached at its share, output)."""
    prompt = sum(c.prompt_tokens for c in calls)
    cached = sum(c.cached_tokens for c in calls)
    output = sum(c.output_tokens + c.thinking_tokens for c in calls)
    thinking = sum(c.thinking_tokens for c in calls)
    billed = prompt - cached * (1 - CACHED_INPUT_SHARE) + output
    return {"input": prompt, "cached": cached, "output": output, "thinking": thinking, "billed": billed}


def problems(old: Layout, new: Layout) -> list[str]:
    """What does not hold of the two layouts' figures (empty: every one holds): the same work (the same
    tasks passed, as many runs), and run logs that count no call the stand-in did not bill (a dry
    run's calls are billed and in no run's log: the logs may count less, never more)."""
    found = []
    if old.passed != new.passed:
        found.append(
            f"the same work: passed {old.passed} with {old.version}, {new.passed} with {new.version}"
        )
    if len(old.runs) != len(new.runs):
        found.append(
            f"the same work: {len(old.runs)} runs with {old.version}, {len(new.runs)} with {new.version}"
        )
    for layout in (old, new):
        billed = bill(layout.billed)
        logged = dict(
            zip(
                ("input", "cached", "output", "thinking"),
                (
                    layout.total(f)
                    for f in ("input_tokens", "cached_tokens", "output_tokens", "thinking_tokens")
                ),
                strict=True,
            )
        )
        if not layout.total("calls") or any(logged[k] > billed[k] for k in logged):
            found.append(f"{layout.version}: the run logs count {logged}, the stand-in billed {billed}")
    return found


def figures(old: Layout, new: Layout) -> dict[str, float]:
    """The RESULT line's figures: the two bills' ratio, the newest one's cached share and its floor
    (every input token cached: the least any layout could be billed), and the runs' cost."""
    before, after = bill(old.billed), bill(new.billed)
    floor = after["input"] * CACHED_INPUT_SHARE + after["output"]
    return {
        "billed_tokens_ratio": after["billed"] / before["billed"],
        "cached_share": after["cached"] / after["input"],
        "cost_per_run_usd_p50": statistics.median(r.cost_usd for r in new.runs),
        "cost_ratio": new.total("cost_usd") / old.total("cost_usd"),
        "cache_floor_ratio": floor / before["billed"],
    }


def report(layout: Layout) -> None:
    runs = len(layout.runs)
    print(
        f"  {layout.version}: {len(layout.passed)}/{len(layout.outcomes)} tasks passed, {runs} runs, "
        f"{int(layout.total('calls'))} model calls; per run: input {layout.total('input_tokens') / runs:.0f} "
        f"(cached {layout.total('cached_tokens') / runs:.0f}), output {layout.total('output_tokens') / runs:.0f} "
        f"(thinking {layout.total('thinking_tokens') / runs:.0f}), billed {layout.total('billed') / runs:.0f}, "
        f"cost p50 ${statistics.median(r.cost_usd for r in layout.runs):.5f}",
        flush=True,
    )
    billed = bill(layout.billed)
    print(
        f"  {layout.version} billed, every call ({len(layout.billed)}, dry runs' too): "
        + ", ".join(f"{k} {v:.0f}" for k, v in billed.items()),
        flush=True,
    )
    # where the bill goes: by what was asked and the thinking budget it was sent
    for schema, sent in sorted({(c.schema, c.budget) for c in layout.billed}):
        calls = [c for c in layout.billed if (c.schema, c.budget) == (schema, sent)]
        print(
            f"    {schema or '(none)'} (budget {sent}): {len(calls)} calls, "
            + ", ".join(f"{k} {v:.0f}" for k, v in bill(calls).items()),
            flush=True,
        )


def budget(text: str) -> tuple[str, int]:
    """A ``--thinking`` value, ``PURPOSE=TOKENS``, as (purpose, tokens)."""
    purpose, _, tokens = text.partition("=")
    if f"model_thinking_{purpose}" not in Settings.model_fields or not tokens.isdigit():
        raise argparse.ArgumentTypeError(
            f"{text!r}: give PURPOSE=TOKENS, a purpose of an NA_MODEL_THINKING_* setting"
        )
    return purpose, int(tokens)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", default=[], help="only the tasks of these names")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--thinking",
        action="append",
        default=[],
        type=budget,
        metavar="PURPOSE=TOKENS",
        help="the newest layout's thinking budget of a purpose (plan, replan, repair, draft, review, "
        "answer): what a budget would bill, the baseline at the defaults (decision 0226)",
    )
    args = parser.parse_args(argv)
    thinking = dict(args.thinking)
    stop_on_signals()
    model = OfflineGemini()
    try:
        with tempfile.TemporaryDirectory() as folder:
            credentials = service_account_file(Path(folder) / "sa.json", model.url + "/token")
            old = measure(BASELINE, args.only, args.workers, model, credentials)
            report(old)
            new = measure(prompts.VERSION, args.only, args.workers, model, credentials, thinking)
            report(new)
    finally:
        model.stop()
    missed = problems(old, new)
    values = figures(old, new)
    if values["billed_tokens_ratio"] > NO_WORSE:
        missed.append(f"billed_tokens_ratio {values['billed_tokens_ratio']:.3f} > {NO_WORSE}")
    if values["cost_per_run_usd_p50"] > statistics.median(r.cost_usd for r in old.runs) * NO_WORSE:
        missed.append("the median run costs more than with the previous release's prompts")
    if not values["cache_floor_ratio"] <= values["billed_tokens_ratio"]:
        missed.append("the bill is under its floor: more tokens cached than sent")
    for line in missed:
        print(f"MISSED {line}", flush=True)
    met = "met" if values["billed_tokens_ratio"] <= RATIO_GOAL else "not met"
    print(f"GOAL billed_tokens_ratio <= {RATIO_GOAL}: {met}", flush=True)
    print(
        "RESULT "
        + " ".join(
            f"{k}={v:.5f}" if k == "cost_per_run_usd_p50" else f"{k}={v:.3f}" for k, v in values.items()
        ),
        flush=True,
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
