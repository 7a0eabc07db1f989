"""Engine benchmark (``make bench-engine``): one long run (>= 200 steps) through the real services on
the Firestore emulator and the Notion sandbox (in-process, over HTTP), with the offline model.

Reported per step: the engine's own time (the step's wall time minus the time spent inside Notion
calls and model calls), and Firestore reads + writes, counted by wrapping the Firestore client's
API (a read per document returned, a write per document written). Step k alternates append_blocks
(odd: an intent + a result) and draft_text (even: a model call + a result). "At step 1" and "at step
200" use the median over steps 1-10 and 191-200 (single steps are too noisy on a shared machine);
the ops count is exact per step. The prompt ratio compares the draft prompts of steps 200 and 10.

Last line: ``RESULT ops_per_step=<int> overhead_ratio_200_vs_1=<float> prompt_ratio_200_vs_10=<float>``
(targets: ops constant and <= 4, overhead ratio <= 1.2, prompt ratio <= 1.5).
"""

import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.firestore_emulator import emulator_argv
from local.notion_sandbox import SandboxServer
from local.processes import ProcessGroup, free_port, http_answers

ROOT = Path(__file__).resolve().parents[2]

STEPS = 220
OPS = Counter[str]()


class CountingApi:
    """The Firestore GAPIC client, counting billed document reads and writes."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def batch_get_documents(self, *args: Any, **kwargs: Any) -> Any:
        for response in self._inner.batch_get_documents(*args, **kwargs):
            OPS["reads"] += 1
            yield response

    def run_query(self, *args: Any, **kwargs: Any) -> Any:
        for response in self._inner.run_query(*args, **kwargs):
            OPS["reads"] += 1 if response.document.name else 0
            yield response

    def run_aggregation_query(self, *args: Any, **kwargs: Any) -> Any:
        OPS["reads"] += 1
        return self._inner.run_aggregation_query(*args, **kwargs)

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        request = kwargs.get("request") or args[0]
        OPS["writes"] += len(request["writes"] if isinstance(request, dict) else request.writes)
        return self._inner.commit(*args, **kwargs)


class Timed:
    """Wraps an adapter; adds the time spent in its methods to ``spent``."""

    def __init__(self, inner: Any, spent: list[float]) -> None:
        self._inner, self._spent = inner, spent

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                result = method(*args, **kwargs)
                return list(result) if hasattr(result, "__next__") else result
            finally:
                self._spent[0] += time.perf_counter() - start

        return call


def long_plan(page: str, count: int) -> Any:
    from shared.agent.planning import PlanOut

    steps = []
    for k in range(1, count):
        if k % 2:
            steps.append(
                {"tool": "append_blocks", "args_json": json.dumps({"page_id": page, "text": f"Entry {k}"})}
            )
        else:
            steps.append(
                {"tool": "draft_text", "args_json": json.dumps({"instructions": f"Note {k} on the entries"})}
            )
    steps.append({"tool": "finish", "args_json": json.dumps({"summary": "long run done"})})
    return PlanOut.model_validate({"goal": "A long run", "steps": steps})


def run(db_host: str, sandbox: SandboxServer) -> dict[str, float]:
    from google.cloud import firestore

    from shared.adapters.firestore_store import FirestoreRunStore
    from shared.adapters.firestore_tenants import FirestoreTenantStore
    from shared.adapters.notion import NotionApi, build_client
    from shared.adapters.offline_model import OfflineModel
    from shared.config import PlatformSecret, Settings
    from shared.domain.model_calls import ModelReply
    from shared.domain.tenants import Tenant
    from shared.services.deps import BoundNotion, Deps
    from shared.services.wiring import CachedTenants
    from tests.fakes import FakeQueue, FakeSecrets

    os.environ["FIRESTORE_EMULATOR_HOST"] = db_host
    client = firestore.Client(project="bench")
    client._firestore_api_internal = CountingApi(client._firestore_api)
    spent = [0.0]
    notion = Timed(NotionApi(build_client(sandbox.url, 20.0), 0.0), spent)
    idea = sandbox.sandbox.find_workspace("demo").seeded["idea_newsletter"]
    prompts: dict[int, int] = {}

    class Model(OfflineModel):
        step = 0
        length = STEPS

        def generate(self, purpose: str, prompt: str, schema: Any) -> ModelReply[Any]:
            start = time.perf_counter()
            reply = super().generate(purpose, prompt, schema)
            if schema.__name__ == "PlanOut":
                reply = ModelReply(long_plan(idea, Model.length), reply.usage)
            else:
                prompts[Model.step] = len(prompt)
            spent[0] += time.perf_counter() - start
            return reply

    queue = FakeQueue()
    # Read as a deployment reads it, through the instance's cache (wiring.engine_deps): every step
    # checks that its workspace still runs it (cached; a model call's budget check reads afresh).
    tenants = CachedTenants(FirestoreTenantStore(client))
    now = datetime.now(UTC)
    tenants.save(
        Tenant(tenant_id="bench", workspace_id="w-bench", token_secret="s", created_at=now, updated_at=now)
    )
    deps = Deps(
        store=FirestoreRunStore(client),
        queue=queue,
        secrets=FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: "k" * 32}),
        settings=Settings(run_max_steps=STEPS + 10, step_lease_s=30.0, spend_cache_ttl_s=600.0),
        model=Model(),
        notion_for=lambda _t: BoundNotion(notion, lambda op: op("ntn_sandbox_demo")),
        tenants=tenants,
    )
    Model.length = 20  # a short warm-up run first: connections and caches as in a warm instance
    drive(deps, queue, "warm-up", Model, spent)
    Model.length = STEPS
    overhead, ops = drive(deps, queue, "long", Model, spent)
    first = statistics.median(overhead[k] for k in range(1, 11))
    late = statistics.median(overhead[k] for k in range(191, 201))
    print(f"steps run: {len(ops)}; ops per step: {sorted(Counter(ops.values()).items())}")
    print(f"ops at step 1: {ops[1]}, at step 200: {ops[200]}")
    print(
        f"engine time per step (median): steps 1-10 {first * 1000:.1f} ms, steps 191-200 {late * 1000:.1f} ms"
    )
    print(f"draft prompt chars: step 10 {prompts[10]}, step 200 {prompts[200]}")
    return {
        "ops": max(ops.values()),
        "constant": len(set(ops.values())) == 1,
        "overhead": late / first,
        "prompt": prompts[200] / prompts[10],
    }


def drive(
    deps: Any, queue: Any, run_id: str, model: Any, spent: list[float]
) -> tuple[dict[int, float], dict[int, int]]:
    from shared.config import Queue
    from shared.domain.tasks.plan import PlanTask, Trigger
    from shared.domain.tasks.step import StepTask
    from shared.services.engine import run_step
    from shared.services.planning import start_run

    # Asked for in the app ("api"): its plan stands as the model made it, with no approval put in
    # before its first write to a page other than its own, so every step is one of the long plan's.
    start_run(PlanTask(tenant_id="bench", run_id=run_id, trigger=Trigger(kind="api")), deps)
    overhead: dict[int, float] = {}
    ops: dict[int, int] = {}
    while queue.tasks:
        q, body, _, _ = queue.take()
        if q != Queue.EXECUTE_STEP:
            continue
        assert isinstance(body, StepTask)
        model.step, spent[0] = body.step, 0.0
        OPS.clear()
        start = time.perf_counter()
        outcome = run_step(body, deps)
        overhead[body.step] = time.perf_counter() - start - spent[0]
        ops[body.step] = OPS["reads"] + OPS["writes"]
        assert outcome.acted, outcome
    return overhead, ops


def main() -> int:
    import logging

    logging.disable(logging.WARNING)  # the engine logs every step; only the report matters here
    with tempfile.TemporaryDirectory() as tmp:
        group = ProcessGroup(Path(tmp))
        port = free_port()
        group.start("firestore", emulator_argv(port), dict(os.environ))
        try:
            group.wait_until("firestore", lambda: http_answers(f"http://127.0.0.1:{port}/"))
            with SandboxServer() as sandbox:
                result = run(f"127.0.0.1:{port}", sandbox)
        finally:
            group.stop_all()
    if not result["constant"]:
        print("ops per step are NOT constant")
    print(
        f"RESULT ops_per_step={int(result['ops'])} overhead_ratio_200_vs_1={result['overhead']:.2f} "
        f"prompt_ratio_200_vs_10={result['prompt']:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
