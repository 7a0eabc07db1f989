"""``make replay RUN=<id> [TENANT=<id>]``: a run's timeline, rebuilt from its event log alone.

Reads Firestore as the settings say (``NA_FIRESTORE_EMULATOR_HOST`` for the local stack's emulator,
otherwise the project's database with application default credentials), folds the log and checks
that the result equals the state cached in the run document.
"""

import argparse
import json
import sys

from shared import bootstrap
from shared.runs.domain.state import fold


def find_tenant(run_id: str) -> str | None:
    from google.cloud.firestore_v1.base_query import FieldFilter

    db = bootstrap.root()._firestore()
    query = db.collection_group("runs").where(filter=FieldFilter("run_id", "==", run_id)).limit(1)
    return next((d.get("tenant_id") for d in query.stream()), None)


def describe(event: dict[str, object]) -> str:
    skip = {"seq", "at", "kind", "lease_until"}
    return json.dumps({k: v for k, v in event.items() if k not in skip}, ensure_ascii=False)[:160]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_id")
    parser.add_argument("--tenant", default=None)
    args = parser.parse_args(argv)
    tenant = args.tenant or find_tenant(args.run_id)
    store = bootstrap.root().store
    run = store.get_run(tenant, args.run_id) if tenant else None
    if tenant is None or run is None:
        print(f"run {args.run_id} was not found", file=sys.stderr)
        return 1
    events = store.list_events(tenant, args.run_id)
    replayed = fold(events)
    print(f"run {args.run_id} (tenant {tenant}): {replayed.status.value}, {len(events)} events")
    for event in events:
        data = event.model_dump(mode="json")
        print(f"  #{event.seq:<4} {data['at'][11:23]}  {event.kind:<16} {describe(data)}")
    same = replayed == run.state
    print(f"replayed state {'equals' if same else 'DIFFERS FROM'} the cached run document")
    return 0 if same else 2


if __name__ == "__main__":
    sys.exit(main())
