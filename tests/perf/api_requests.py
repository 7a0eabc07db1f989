"""What one api request costs: Firestore round trips (by RPC) and CPU milliseconds of the api's own
process, for a mix of requests schemathesis sends (lists, a 404, a 400, a 401, a role's 403) as an
API key, the owner's session cookie and a viewer's (decision 0234).

``python -m tests.perf.api_requests [N]`` starts a local stack, seeds it as the schemathesis modules
do (tests/support/web/api_contract.py), then serves the api in this process (the stack's settings,
its Firestore emulator) and sends each request N times (default 50) after one unmeasured. One line
per request: ``<request> status=<s> round_trips=<r> <by RPC> cpu_ms=<ms>``."""

import os
import sys
import time
from functools import partial
from typing import Any

from local.stack import LocalStack
from tests.support.team.firestore_calls import round_trips
from tests.support.web.api_contract import give_role, seed, with_member
from tests.web.browser import FAST_NOTION


def mix(
    key: dict[str, str], owner: dict[str, str], viewer: dict[str, str]
) -> dict[str, tuple[str, str, Any, dict[str, str]]]:
    """The requests measured: method, path, JSON body (None: none) and headers, by name."""
    return {
        "GET /runs key": ("GET", "/runs", None, key),
        "GET /agents key": ("GET", "/agents", None, key),
        "GET /team key": ("GET", "/team", None, key),
        "GET /runs/{unknown} key (404)": ("GET", "/runs/nosuchrun", None, key),
        "POST /runs key, bad body (400)": ("POST", "/runs", {"goal": 5}, key),
        "GET /runs no credentials (401)": ("GET", "/runs", None, {}),
        "GET /runs owner cookie": ("GET", "/runs", None, owner),
        "GET /team owner cookie": ("GET", "/team", None, owner),
        "PATCH /settings owner, bad body (400)": ("PATCH", "/settings", {"notification_email": 5}, owner),
        "GET /runs viewer cookie": ("GET", "/runs", None, viewer),
        "POST /runs viewer (403)": ("POST", "/runs", {"goal": "x"}, viewer),
    }


def measure(n: int) -> list[str]:
    """The lines, one per request of :func:`mix`."""
    with LocalStack(extra_env=FAST_NOTION) as stack:
        seeded = with_member(stack, seed(stack))
        assert seeded.member is not None
        give_role(stack, seeded, "viewer")
        os.environ.update(stack.env())
        from functions._http import app
        from shared import bootstrap

        root = bootstrap.root()
        api = app("api", root).test_client(use_cookies=False)  # the cookie header sent as it is
        lines = []
        requests = mix({"Authorization": f"Bearer {seeded.key}"}, seeded.browser, seeded.member)
        for name, (method, path, body, headers) in requests.items():
            send = partial(api.open, path, method=method, json=body, headers=headers)
            status = send().status_code
            with round_trips(root.instance.firestore()) as counted:
                started = time.process_time()
                for _ in range(n):
                    assert send().status_code == status
                cpu_ms = (time.process_time() - started) * 1000 / n
            by_rpc = " ".join(f"{rpc}={k / n:g}" for rpc, k in sorted(counted.items()))
            lines.append(
                f"{name}: status={status} round_trips={sum(counted.values()) / n:g} {by_rpc} cpu_ms={cpu_ms:.1f}"
            )
        return lines


if __name__ == "__main__":
    print("\n".join(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 50)), flush=True)
