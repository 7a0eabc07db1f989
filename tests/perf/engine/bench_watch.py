"""What following a run costs the backend (``make bench-watch``): a console watching one run polls
``GET /runs/{id}`` every 2 s for a minute (30 polls) while the run moves 3 times (40 events in all),
through the real api and Firestore adapters on the Firestore emulator. Billed document reads are
counted at the Firestore client's API (as ``bench_engine`` does), once with ``If-None-Match`` (what
the console sends) and once without.

Goal: a poll of an unchanged run reads at most ``UNCHANGED_READS`` documents, never the events (the
tenant, once for the session and for whose run it is, and the run), so a watcher costs at most
that per poll plus a full read per move. Last line: ``RESULT reads_per_watcher_per_min=<n> without_etag=<n>``; exits 1 if missed.
"""

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.firestore_emulator import emulator_argv
from local.processes import ProcessGroup, free_port, http_answers
from tests.perf.billing import OPS, CountingApi

if TYPE_CHECKING:
    from shared.bootstrap import Container

PROJECT = "notion-agent-bench-watch"
TENANT = "t-watch"
RUN = "api-watch-0001"
POLLS = 30  # a minute at the console's 2 s
MOVES = {10: 12, 20: 12, 25: 13}  # poll -> events the run appends just before it (3 moves)
FIRST_EVENTS = 3
UNCHANGED_READS = 2


def _events(first_seq: int, count: int) -> list[Any]:
    from shared.runs.domain.events import ModelUsed

    now = datetime.now(UTC)
    return [
        ModelUsed(
            seq=first_seq + i,
            at=now,
            model="m",
            purpose="draft",
            cost_usd=0.0,
            input_tokens=1,
            output_tokens=1,
        )
        for i in range(count)
    ]


def watch(container: "Container", token: str, use_etag: bool) -> tuple[int, int]:
    """One watcher's minute: (reads in all, the most one unchanged poll read)."""
    from functions._http import app
    from shared.runs.domain.events import PlannedStep, RunPlanned

    store = container.runs.store
    run_id = f"{RUN}-{'etag' if use_etag else 'plain'}"
    head = RunPlanned(
        seq=1, at=datetime.now(UTC), goal="watched", trigger="api", steps=[PlannedStep(tool="finish")]
    )
    store.create_run(TENANT, run_id, [head, *_events(2, FIRST_EVENTS - 1)])
    api, etag = app("api", container).test_client(), ""
    OPS.clear()
    most_unchanged = 0
    for poll in range(POLLS):
        if poll in MOVES:
            run = store.get_run(TENANT, run_id)
            assert run is not None
            store.append(TENANT, run_id, run.state, _events(run.state.last_seq + 1, MOVES[poll]))
        counted = OPS["reads"]
        headers = {"Authorization": f"Bearer {token}"} | ({"If-None-Match": etag} if etag else {})
        answer = api.get(f"/runs/{run_id}", headers=headers)
        assert answer.status_code in (200, 304), answer.get_data(as_text=True)
        if use_etag:
            etag = answer.headers["ETag"]
        if poll > 0 and poll not in MOVES:
            most_unchanged = max(most_unchanged, OPS["reads"] - counted)
    return OPS["reads"], most_unchanged


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    from shared import bootstrap
    from shared.platform.config import PlatformSecret, Settings
    from shared.team.services.sessions import start_session
    from shared.workspace.domain.tenants import Tenant

    with tempfile.TemporaryDirectory(prefix="watch-") as tmp:
        group, port = ProcessGroup(Path(tmp) / "logs"), free_port()
        group.start("firestore", emulator_argv(port), {})
        try:
            group.wait_until("firestore", lambda: http_answers(f"http://127.0.0.1:{port}/"))
            secrets = Path(tmp) / "secrets.json"
            secrets.write_text(json.dumps({PlatformSecret.SESSION_SIGNING_KEY.value: "watch-" + "k" * 32}))
            settings = Settings(
                gcp_project=PROJECT,
                firestore_emulator_host=f"127.0.0.1:{port}",
                secrets_backend="local",
                local_secrets_file=str(secrets),
                # Polls follow each other at once here, where a browser waits seconds between them:
                # the api's per-key pace is lifted, or it would answer 429 mid-bench.
                api_key_per_min=600_000,
                api_person_per_min=600_000,
                api_burst=10_000,
            )
            container = bootstrap.Container(settings)
            now = datetime.now(UTC)
            tenant = Tenant(
                tenant_id=TENANT, workspace_id="w-watch", token_secret="s", created_at=now, updated_at=now
            )
            container.workspace.tenants.save(tenant)
            client = container.instance.firestore()
            client._firestore_api_internal = CountingApi(client._firestore_api)
            token = start_session(TENANT, container.platform.secrets)
            with_etag, unchanged = watch(container, token, use_etag=True)
            without, _ = watch(container, token, use_etag=False)
        finally:
            group.stop_all()
    events = FIRST_EVENTS + sum(MOVES.values())
    bound = UNCHANGED_READS * POLLS + (len(MOVES) + 1) * (events + UNCHANGED_READS)
    met = unchanged <= UNCHANGED_READS and with_etag <= bound
    print(
        f"{POLLS} polls in a minute, {len(MOVES)} moves, {events} events: with ETag {with_etag} reads "
        f"(an unchanged poll at most {unchanged}), without {without}"
    )
    print(
        f"goal: an unchanged poll reads <= {UNCHANGED_READS} documents, a minute <= {bound}: "
        f"{'met' if met else 'not met'}"
    )
    print(f"RESULT reads_per_watcher_per_min={with_etag} without_etag={without}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
