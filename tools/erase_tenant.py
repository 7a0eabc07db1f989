"""Erase a workspace for an operator: ``make erase-tenant TENANT=<tenant id> PROJECT=<project>``
(docs/deploy.md, "Erasing a workspace"; what goes and what stays: docs/security.md, "Retention and
erasure").

Runs the same erasure as the owner's ``POST /workspace/erase`` (shared/notion/services/erasure.py) with the
operator's own credentials (Application Default Credentials) against the project's Firestore and
Secret Manager: ``--project`` (else ``NA_GCP_PROJECT``) and ``--database`` (else
``NA_FIRESTORE_DATABASE``, else ``(default)``). With ``NA_PROFILE=local`` in the environment (the local
stack's settings), those settings are used as they are. Repeatable: a second run finishes what an
interrupted one left. Prints ``RESULT erased=1 documents_deleted=<n>``.
"""

import argparse
import os
import sys

from shared.bootstrap import Container
from shared.notion.services.erasure import erase_workspace
from shared.platform.config import Settings
from shared.platform.domain.ids import id_problem


def settings(project: str, database: str) -> Settings:
    """The local stack's settings from the environment, else the project's services reached with the
    operator's credentials (every other setting keeps its default)."""
    if os.environ.get("NA_PROFILE") == "local":
        return Settings.from_env(os.environ)
    return Settings(gcp_project=project, firestore_database=database, secrets_backend="secret-manager")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenant", required=True, help="the tenant id (the console's Settings shows it)")
    parser.add_argument("--project", default=os.environ.get("NA_GCP_PROJECT", ""), help="the project id")
    parser.add_argument("--database", default=os.environ.get("NA_FIRESTORE_DATABASE") or "(default)")
    args = parser.parse_args(argv)
    if problem := id_problem(args.tenant):
        parser.error(f"--tenant: {problem}")
    if not args.project and os.environ.get("NA_PROFILE") != "local":
        parser.error("which project? make erase-tenant TENANT=<tenant id> PROJECT=<project id>")
    c = Container(settings(args.project, args.database))
    done = erase_workspace(args.tenant, "operator", c.erasing())
    print(f"RESULT erased=1 documents_deleted={done['documents_deleted']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
