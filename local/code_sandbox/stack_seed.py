"""What the GitHub and Vercel of ``make stack`` (and ``make demo``, and the web suite's shared stack)
hold before anyone acts, as a real repository and project would: ``acme/site``
runs its own test on each pushed commit (every note under ``notes/`` says "Status: proposed"), and
the project ``site`` serves a production deployment of ``main``, the one a first release's rollback
goes back to. Without them the flagship pipeline waited half an hour for checks that never come and a
first release could not be rolled back. Suites on a stack of their own start from an empty one."""

import sys
import time

from local.code_sandbox.sandbox import SEED
from local.code_sandbox.testing import Admin
from shared.code.adapters.vercel import VercelDeployer
from shared.code.domain.code import DeployRequest

# The repository's own test, run by the code sandbox on each pushed commit in a temporary checkout.
CHECK = """
import pathlib, sys
bad = [p for p in sorted(pathlib.Path("notes").glob("*.md")) if "Status: proposed" not in p.read_text().splitlines()]
for p in bad:
    print(f'{p.as_posix()}: missing the line "Status: proposed"')
sys.exit(1 if bad else 0)
"""
SEED_KEY = "stack-seed"  # the seeded production deployment's key (its metadata)


def seed(url: str) -> str:
    """The check of ``acme/site`` and production of ``site`` on the code sandbox at ``url``: the
    production deployment's id, once READY (a repeat finds the same one by its key)."""
    repository, project, token = SEED["repository"], SEED["project"], SEED["vercel_token"]
    Admin(url).set_checks(
        repository, [{"name": "tests", "command": [sys.executable, "-c", CHECK], "timeout_s": 30}]
    )
    vercel = VercelDeployer(url + "/vercel", 5.0)
    made = vercel.find_deployment(token, project, SEED_KEY) or vercel.create_deployment(
        token,
        DeployRequest(project=project, repository=repository, ref="main", target="production", key=SEED_KEY),
    )
    for _ in range(20):  # read until READY: a production deployment read READY serves production
        if vercel.get_deployment(token, made.id).state == "READY":
            return made.id
        time.sleep(0.05)
    raise RuntimeError(f"the seeded production deployment {made.id} of {project} never became READY")
