"""``make rollback-release`` and ``make release-traffic``: the way back from a bad release, and the
way out of it again (docs/deploy.md, "Rolling back a release"; decision 0140).

``rollback`` sends all traffic of every function to the revision created before the one serving it
now (``gcloud run services update-traffic --to-revisions=<previous>=100`` on the Cloud Run service
behind each 2nd-gen function, as Google's "Traffic splitting" page for Cloud Run functions does).
It reads every function's revisions first and changes nothing unless each has a previous one.
The next ``terraform apply`` keeps it: terraform/functions.tf ignores
``all_traffic_on_latest_revision``, which Cloud Functions reads back as false while an older
revision serves, so a new release is deployed as a revision without traffic until a person runs
``release``, which sends each function's traffic back to its latest revision.

The function names are terraform/'s (local.functions). ``--dry-run`` reads, and prints the changes
it would make without making them. The last line is ``RESULT functions=<n> changed=<n> dry_run=<0|1>``;
exit status 1 when a function has no revision to go back to (nothing is changed then).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence

from tools.infra_drift import load_terraform


def function_names() -> list[str]:
    """The Cloud Run services behind the functions: local.functions' names in terraform/."""
    return sorted(str(fn["name"]) for fn in load_terraform().locals["functions"].values())


def _gcloud(*args: str) -> str:
    return subprocess.run(["gcloud", *args], capture_output=True, text=True, check=True).stdout


def serving(service: str, where: Sequence[str]) -> list[str]:
    """The revisions that serve a share of ``service``'s traffic now (Cloud Run's status.traffic)."""
    described = json.loads(_gcloud("run", "services", "describe", service, *where, "--format=json"))
    traffic = (described.get("status") or {}).get("traffic") or []
    return [str(t["revisionName"]) for t in traffic if t.get("percent") and t.get("revisionName")]


def revisions(service: str, where: Sequence[str]) -> list[str]:
    """``service``'s revisions, newest first."""
    listed = _gcloud(
        "run", "revisions", "list", f"--service={service}", *where,
        "--sort-by=~metadata.creationTimestamp", "--format=value(metadata.name)",
    )  # fmt: skip
    return [line.strip() for line in listed.splitlines() if line.strip()]


def previous(service: str, where: Sequence[str]) -> str | None:
    """The revision created just before the oldest one serving ``service`` now: one release back
    (again after a rollback: one more back). None when there is none."""
    names, now = revisions(service, where), serving(service, where)
    if not names:
        return None
    oldest_serving = max((names.index(name) for name in now if name in names), default=0)
    return names[oldest_serving + 1] if oldest_serving + 1 < len(names) else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("rollback", "release"))
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument(
        "--dry-run", action="store_true", help="read, print what would change, change nothing"
    )
    args = parser.parse_args(argv)
    where = (f"--region={args.region}", f"--project={args.project}")

    changes: list[tuple[str, list[str]]] = []
    missing, services = [], function_names()
    for service in services:
        if args.action == "release":
            changes.append((service, ["--to-latest"]))
            continue
        before = previous(service, where)
        if before is None:
            missing.append(service)
        else:
            changes.append((service, [f"--to-revisions={before}=100"]))
    for service in missing:
        print(f"FAIL {service:<14} no revision before the one serving now: nothing changed")
    if missing:
        print(f"RESULT functions={len(services)} changed=0 dry_run={int(args.dry_run)}")
        return 1
    for service, target in changes:
        command = ["run", "services", "update-traffic", service, *where, *target]
        print(("WOULD " if args.dry_run else "") + "gcloud " + " ".join(command))
        if not args.dry_run:
            _gcloud(*command)
    if args.action == "rollback":
        print(
            "Held: the next terraform apply deploys new revisions without traffic. "
            "When a fixed release is deployed, send traffic to it: make release-traffic"
        )
    print(
        f"RESULT functions={len(changes)} changed={0 if args.dry_run else len(changes)} dry_run={int(args.dry_run)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
