"""``make demo``: start the local stack, drive the walking skeleton through every function, print it.

A plan task goes through the Cloud Tasks emulator to ``plan``, which creates the run and enqueues
``execute-step``; two steps run (record a note, finish); the finish enqueues ``notify``, which writes
to the local outbox; ``api`` then answers ``GET /runs/{id}`` with the timeline printed here.
"""

import json
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

from local.stack import LocalStack, exit_on_sigterm
from shared.adapters.local_secrets import LocalFileSecrets
from shared.config import Queue, Settings
from shared.domain.tasks import PlanTask, Trigger
from shared.services.sessions import start_session

TENANT = "demo-tenant"


def get_json(url: str, token: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        body: dict[str, Any] = json.load(response)
        return body


def wait_for(check: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError("the run did not finish in time (see the stack's logs)")


def run_demo(stack: LocalStack) -> dict[str, Any]:
    import grpc
    from google.cloud import tasks_v2  # the production queue adapter, on the emulator
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    from shared.adapters.cloud_tasks import CloudTaskQueue

    settings = Settings.model_validate({k.removeprefix("NA_").lower(): v for k, v in stack.env().items()})
    client = tasks_v2.CloudTasksClient(
        transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(stack.tasks_grpc))
    )
    queue = CloudTaskQueue(client, settings)
    run_id = "demo-" + uuid.uuid4().hex[:8]
    started = datetime.now(UTC)
    queue.enqueue(
        Queue.PLAN,
        PlanTask(tenant_id=TENANT, run_id=run_id, goal="Say hello", trigger=Trigger(kind="manual")),
        f"plan:{run_id}",
    )
    token = start_session(TENANT, LocalFileSecrets(str(stack.secrets_file)))
    api = stack.url_of_api() + f"/runs/{run_id}"

    def finished() -> dict[str, Any] | None:
        try:
            run = get_json(api, token)
        except urllib.error.HTTPError:
            return None
        return run if run["status"] == "completed" else None

    run = wait_for(finished)
    outbox = wait_for(lambda: sorted(stack.outbox_dir.glob(f"{run_id}-*.json")))
    notification = json.loads(outbox[0].read_text())
    return {"started": started, "run": run, "notification": notification}


def print_timeline(result: dict[str, Any]) -> None:
    run, note = result["run"], result["notification"]
    hops = [
        ("demo → Cloud Tasks → plan", f"run created, plan of {run['steps']} steps", run["events"][0]["at"])
    ]
    for event in run["events"][1:]:
        if event["kind"] == "tool_result":
            hops.append(
                (
                    f"→ execute-step #{event['step']}",
                    f"{event['tool']}: {json.dumps(event['output'])}",
                    event["at"],
                )
            )
        elif event["kind"] == "run_finished":
            hops.append(("  execute-step", f"run {event['status']}: {event['summary']}", event["at"]))
    hops.append(("→ notify → outbox", f"{note['notification_id']}: {note['subject']}", note["delivered_at"]))
    print(f"\nRun {run['run_id']} ({run['status']}), timeline through the local stack:\n")
    print(f"  {'hop':34} {'+ms':>7} {'latency':>8}  what happened")
    previous = start = result["started"]
    for hop, what, at in hops:
        when = datetime.fromisoformat(at)
        total, latency = (when - start).total_seconds() * 1000, (when - previous).total_seconds() * 1000
        print(f"  {hop:34} {total:7.0f} {latency:6.0f}ms  {what}")
        previous = when
    print(f"\n  api GET /runs/{run['run_id']} answered with {len(run['events'])} events.\n")


def main() -> int:
    exit_on_sigterm()
    print("Starting the local stack (Firestore emulator, Cloud Tasks emulator, 7 functions)...", flush=True)
    with LocalStack() as stack:
        print(f"Stack up in {stack.workdir} (logs under logs/).", flush=True)
        print_timeline(run_demo(stack))
    print("Stack stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
