"""``make bench-triggers``: a mix of page edits through notion-webhook, counting what each one costs.

The owner connects a workspace of the Notion sandbox and sets the Tasks data source's trigger rules
through the api (page_created; Status to "In progress"; assigned_to_agent on For agent; mentioned).
Then signed events, one per page change, go over HTTP into the real notion-webhook entry point
(Firestore emulator, held Cloud Tasks emulator), each one's plan tasks planned for real (offline
model, counted). Per event: the Notion requests the sandbox received, the model calls, the runs.

Last line: ``RESULT runs_started=<n> runs_expected=<n> reads_per_unmatched_edit=<float>
model_calls_unmatched=<n>``; goals: equal, 0.0, 0 (unmatched: edits to properties no rule names).
"""

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from local.notion_sandbox import SandboxServer
from tests.perf.emulator import firestore_emulator

# What the mix holds (shares of the edits) and what each kind should start.
MIX = {
    "unnamed": 0.50,  # a property no rule names changed (Priority, Due, Name, Assignee)
    "status_ready": 0.15,  # Status changed to "In progress", as a rule asks
    "status_other": 0.15,  # Status changed, to another value: the rule's property, the wrong value
    "created": 0.10,  # a page created
    "for_agent": 0.10,  # For agent checked (assigned to the agent)
}
STARTS = {"status_ready", "created", "for_agent"}
RULES = [
    {"kind": "page_created"},
    {"kind": "property_changed", "property": "Status", "to": "In progress"},
    {"kind": "assigned_to_agent", "property": "For agent"},
    {"kind": "mentioned"},
]
STATUS_OF = {"status_ready": "In progress", "status_other": "Done"}
UNNAMED = ("Priority", "Due", "Name", "Assignee")


class Cost(NamedTuple):
    """What one event came to: the webhook's answer, Notion requests, model calls, runs started."""

    kind: str
    result: str
    requests: int
    model_calls: int
    runs: int


def counts(edits: int) -> dict[str, int]:
    """How many events of each kind ``edits`` holds (each kind at least one)."""
    sized = {kind: max(1, round(edits * share)) for kind, share in MIX.items()}
    sized["unnamed"] += edits - sum(sized.values())
    return sized


def run(db_host: str, sandbox: SandboxServer, edits: int = 200, seed: int = 36) -> dict[str, Any]:
    """The mix of ``edits`` events replayed against ``sandbox`` and the Firestore emulator at
    ``db_host``: the costs of each event, and the figures of the RESULT line."""
    from google.cloud import firestore

    from functions._http import app
    from local.tasks_emulator import TasksEmulator
    from shared import bootstrap
    from shared.platform.config import PlatformSecret
    from tests.integration.notion_stack import (
        Stack,
        hold_queues,
        reset_sandbox,
        serve,
        signed_post,
        stack_settings,
    )
    from tests.support.runs.trigger_rules import CountingModel, Planner, last_request, requests_since

    os.environ["FIRESTORE_EMULATOR_HOST"] = db_host
    project = "notion-agent-bench-triggers"
    token = "secret_bench_triggers_verification"
    with TasksEmulator(port=0, admin_port=None) as tasks, tempfile.TemporaryDirectory() as tmp:
        hold_queues(tasks, project)
        admin = reset_sandbox(sandbox.url)
        webhook_token = {PlatformSecret.NOTION_WEBHOOK_TOKEN.value: token}
        outbox = str(Path(tmp) / "outbox")
        settings = stack_settings(
            db_host,
            tasks,
            sandbox.url,
            Path(tmp),
            secrets=webhook_token,
            gcp_project=project,
            outbox_dir=outbox,
        )
        container = bootstrap.Container(settings)
        db = firestore.Client(project=project)
        with serve(app("notion_webhook", container)) as url:
            stack = Stack(settings, sandbox, admin, tasks, container, url, db)
            outcome = stack.connect()
            tenant_id, auth = outcome["tenant_id"], {"Authorization": f"Bearer {outcome['session']}"}
            ws = next(w for w in admin.get("/workspaces") if w["key"] == "demo")
            source = ws["ids"]["tasks_data_source"]
            chosen = {"data_source_ids": [source], "triggers": {source: RULES}}
            answer = stack.client("api").patch("/settings", json=chosen, headers=auth)
            saved = answer.json
            assert answer.status_code == 200 and saved is not None, saved
            ids = {r["property"]: r["property_id"] for r in saved["settings"]["triggers"][source][1:3]}
            schema = _act(admin, "GET", f"/v1/data_sources/{source}", {})["properties"]
            prop_ids = {name: p["id"] for name, p in schema.items()}
            assert ids == {"Status": prop_ids["Status"], "For agent": prop_ids["For agent"]}
            events = _mix(admin, ws, prop_ids, counts(edits), random.Random(seed))
            model = CountingModel(container.platform.model)
            deps = container.engine()._replace(model=model)
            planner = Planner(tasks, deps)
            costs = []
            for kind, event in events:
                seq, calls = last_request(admin), model.calls
                answer_json = signed_post(url, event, token).json()
                started = planner.plan_pending()
                requests = len(requests_since(admin, seq))
                costs.append(Cost(kind, answer_json["result"], requests, model.calls - calls, sum(started)))
            recorded = set(stack.event_ids(tenant_id))
            runs = deps.store.list_runs(tenant_id, limit=10 * edits + 10)
    admitted = {e["id"] for kind, e in events if kind != "unnamed"}
    return _figures(costs, len(runs), recorded == admitted)


def _act(admin: Any, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A person's call to Notion in the demo workspace (not in the sandbox's request log)."""
    done = admin.post("/workspaces/demo/act", {"method": method, "path": path, "body": body})
    assert done["status"] == 200, done
    return dict(done["response"])


def _mix(
    admin: Any, ws: dict[str, Any], prop_ids: dict[str, str], sized: dict[str, int], rng: random.Random
) -> list[tuple[str, dict[str, Any]]]:
    """The events, shuffled: every kind but ``unnamed`` on a page of its own, made beforehand with the
    values the event says changed (so a run's read finds them); ``unnamed`` ones on any of those."""
    source = ws["ids"]["tasks_data_source"]
    pages: dict[str, list[str]] = defaultdict(list)
    for kind, n in sized.items():
        if kind == "unnamed":
            continue
        for i in range(n):
            props: dict[str, Any] = {
                "Name": {"title": [{"text": {"content": f"{kind} {i}"}}]},
                "Status": {"status": {"name": STATUS_OF.get(kind, "Not started")}},
                "For agent": {"checkbox": kind == "for_agent"},
            }
            body = {"parent": {"data_source_id": source}, "properties": props}
            pages[kind].append(str(_act(admin, "POST", "/v1/pages", body)["id"]))
    every = [p for group in pages.values() for p in group]
    changed = {"status_ready": ["Status"], "status_other": ["Status"], "for_agent": ["For agent"]}
    # Ten minutes ago: each page's window has ended (its task is due at once), within the age accepted.
    when = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    events = []
    for kind, n in sized.items():
        for i in range(n):
            page = rng.choice(every) if kind == "unnamed" else pages[kind][i]
            names = rng.sample(UNNAMED, rng.randint(1, 2)) if kind == "unnamed" else changed.get(kind)
            data: dict[str, Any] = {
                "parent": {"id": ws["ids"]["tasks_database"], "type": "database", "data_source_id": source}
            }
            if names is not None:
                data["updated_properties"] = [prop_ids[name] for name in names]
            event = {
                "id": str(uuid.uuid4()),
                "timestamp": when,
                "workspace_id": ws["workspace_id"],
                "workspace_name": "Demo workspace",
                "subscription_id": "sub-bench",
                "integration_id": "int-bench",
                "type": "page.created" if kind == "created" else "page.properties_updated",
                "authors": [{"id": ws["ids"]["owner"], "type": "person"}],
                "attempt_number": 1,
                "api_version": "2025-09-03",
                "entity": {"id": page, "type": "page"},
                "data": data,
            }
            events.append((kind, event))
    rng.shuffle(events)
    return events


def _figures(costs: list[Cost], runs_stored: int, records_right: bool) -> dict[str, Any]:
    by_kind: dict[str, list[Cost]] = defaultdict(list)
    for cost in costs:
        by_kind[cost.kind].append(cost)
    unnamed, other = by_kind["unnamed"], by_kind["status_other"]
    expected = sum(len(by_kind[k]) for k in STARTS)
    started = sum(c.runs for c in costs)
    figures = {
        "runs_started": runs_stored,
        "runs_expected": expected,
        "reads_per_unmatched_edit": sum(c.requests for c in unnamed) / max(1, len(unnamed)),
        "model_calls_unmatched": sum(c.model_calls for c in [*unnamed, *other]),
        # Beside the goals: the right property with the wrong value costs one read and starts nothing.
        "reads_per_wrong_value_edit": sum(c.requests for c in other) / max(1, len(other)),
        "runs_from_unmatched": sum(c.runs for c in [*unnamed, *other]),
        "runs_per_matching_kind": {k: sum(c.runs for c in by_kind[k]) for k in sorted(STARTS)},
        "answers": {k: dict(Counter(c.result for c in v)) for k, v in sorted(by_kind.items())},
        "runs_planned": started,
        "records_only_for_admitted": records_right,
        "events": len(costs),
    }
    figures["met"] = (
        figures["runs_started"] == expected == started
        and figures["reads_per_unmatched_edit"] == 0.0
        and figures["model_calls_unmatched"] == 0
        and figures["runs_from_unmatched"] == 0
        and records_right
    )
    return figures


def result_line(figures: dict[str, Any]) -> str:
    return (
        f"RESULT runs_started={figures['runs_started']} runs_expected={figures['runs_expected']} "
        f"reads_per_unmatched_edit={figures['reads_per_unmatched_edit']:.1f} "
        f"model_calls_unmatched={figures['model_calls_unmatched']}"
    )


def main() -> int:
    import logging

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--edits", type=int, default=200, help="events in the mix (>= 5)")
    parser.add_argument("--seed", type=int, default=36, help="the mix's shuffle")
    args = parser.parse_args()
    if args.edits < 5:
        parser.error("--edits must be at least 5")
    logging.disable(logging.WARNING)  # every event and plan logs a line; only the report matters here
    began = time.perf_counter()
    with firestore_emulator() as host, SandboxServer() as sandbox:
        figures = run(host, sandbox, args.edits, args.seed)
    for kind, answers in figures["answers"].items():
        print(f"{kind:>13}: webhook answers {answers}")
    print(
        f"runs per matching kind {figures['runs_per_matching_kind']}; runs from unmatched edits "
        f"{figures['runs_from_unmatched']}; reads per wrong-value edit {figures['reads_per_wrong_value_edit']:.1f}"
        f"; event records only for admitted events: {figures['records_only_for_admitted']}"
        f"; {figures['events']} events in {time.perf_counter() - began:.0f} s"
    )
    print(
        f"goals (runs_started == runs_expected, 0.0 reads, 0 model calls): {'met' if figures['met'] else 'NOT met'}"
    )
    print(result_line(figures))
    return 0 if figures["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
