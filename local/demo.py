"""``make demo``: the main job on the local stack, from connecting a workspace to a finished run.

1. Connect the sandbox's demo workspace through the real OAuth flow (``GET /connect`` on api, Notion's
   authorize redirect, ``oauth-callback``), as a browser would, and keep the session it hands out.
2. Choose the Ideas data source in the settings (``PATCH /settings``).
3. A person creates an idea page in the sandbox; its signed webhook reaches ``notion-webhook``, which
   enqueues ``plan``; the run reads the page, drafts a plan page with the offline model and asks for
   approval through ``notify`` (a signed link in the local outbox).
4. The demo follows the approve link; the run writes the result to Notion and finishes.
It prints the timeline (every hop, with its latency) and the pages the run wrote, then stops the stack.
"""

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any

from local.stack import LocalStack, exit_on_sigterm
from shared.config import Target

IDEA = {
    "title": "Weekly team retro",
    "content": ["Fifteen minutes every Friday: what went well, what to change."],
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, Any]:
    """(status, JSON body or None, headers) without following redirects."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        response = _opener.open(request, timeout=30)
    except urllib.error.HTTPError as exc:
        response = exc
    raw = response.read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = None
    return response.status, payload, response.headers


def wait_for[T](check: Callable[[], T | None], what: str, timeout_s: float = 60.0) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what} (see the stack's logs)")


def connect(stack: LocalStack) -> str:
    """The OAuth flow as a browser runs it; returns the session the frontend receives."""
    status, start, headers = http("GET", stack.url_of_api() + "/connect")
    assert status == 200, f"GET /connect answered {status}"
    cookie = "; ".join(f"{m.key}={m.value}" for m in SimpleCookie(headers["Set-Cookie"]).values())
    status, _, headers = http("GET", start["authorize_url"])  # Notion's consent page approves at once
    callback = headers["Location"]
    status, _, headers = http("GET", callback, headers={"Cookie": cookie})
    assert status == 302, f"oauth-callback answered {status}"
    outcome = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).fragment))
    assert outcome.get("connected") == "true", f"connecting failed: {outcome.get('error')}"
    return str(outcome["session"])


def run_demo(stack: LocalStack) -> dict[str, Any]:
    started = datetime.now(UTC)
    session = connect(stack)
    auth = {"Authorization": f"Bearer {session}"}
    ideas = stack.sandbox_admin("GET", "/workspaces/demo/state")["ids"]["ideas_data_source"]
    status, settings, _ = http("PATCH", stack.url_of_api() + "/settings", {"data_source_ids": [ideas]}, auth)
    assert status == 200, f"PATCH /settings answered {status}: {settings}"
    idea_created = datetime.now(UTC)
    idea = stack.sandbox_admin("POST", "/workspaces/demo/ideas", IDEA)["response"]
    stack.sandbox_admin("POST", "/webhook/flush", {"timeout": 10, "force": True})

    def runs() -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = http("GET", stack.url_of_api() + "/runs", headers=auth)[1].get(
            "runs", []
        )
        return listed

    run_id = wait_for(lambda: next((r["run_id"] for r in runs()), None), "the webhook to start a run")
    approval = wait_for(
        lambda: sorted(stack.outbox_dir.glob(f"{run_id}-approval-*.json")), "the approval request"
    )
    # The outbox stands in for the mail: it has the links notify minted as it sent it. The link's
    # page POSTs the token from its fragment (functions._pages), as done here.
    approve = json.loads(approval[0].read_text())["links"]["approve"]
    page, _, token = approve.partition("#")
    approved_at = datetime.now(UTC)
    status, answer, _ = http("POST", f"{page}/decide", {"token": token})
    assert status == 200, f"the approve link answered {status}: {answer}"

    def finished() -> dict[str, Any] | None:
        run = http("GET", f"{stack.url_of_api()}/runs/{run_id}", headers=auth)[1]
        return run if run and run.get("status") in {"completed", "failed", "cancelled"} else None

    run = wait_for(finished, "the run to finish")
    done = wait_for(
        lambda: sorted(stack.outbox_dir.glob(f"{run_id}-{run['status']}.json")), "the final notice"
    )
    notes = [json.loads(p.read_text()) for p in sorted(stack.outbox_dir.glob(f"{run_id}-*.json"))]
    state = stack.sandbox_admin("GET", "/workspaces/demo/state")
    return {
        "started": started, "session": session, "idea": idea, "idea_created": idea_created, "approved_at": approved_at,
        "run": run, "notifications": notes, "final_notice": json.loads(done[0].read_text()),
        "sandbox": state, "deliveries": stack.sandbox_admin("GET", "/webhook/deliveries"),
    }  # fmt: skip


def _where(event: dict[str, Any]) -> str:
    """Which function wrote an event."""
    if event["kind"] == "human_responded":
        return "api (approve link)"
    if event["kind"] == "run_planned" or event.get("purpose") == "plan":
        return "notion-webhook → plan"
    return "execute-step"


def timeline_rows(result: dict[str, Any]) -> list[tuple[datetime, str, str]]:
    rows = [(result["idea_created"], "person → Notion sandbox", f"idea page created: {IDEA['title']}")]
    for event in result["run"]["events"]:
        where = _where(event)
        what = event["kind"] + (f" #{event['step']} {event.get('tool', '')}" if "step" in event else "")
        detail = (
            event.get("summary") or event.get("prompt") or event.get("decision") or event.get("purpose") or ""
        )
        rows.append((datetime.fromisoformat(event["at"]), where, f"{what} {str(detail)[:60]}".strip()))
    for note in result["notifications"]:
        rows.append((datetime.fromisoformat(note["delivered_at"]), "notify → outbox", note["subject"][:70]))
    rows.append((result["approved_at"], "person → approve link", "POST the approve link's token"))
    return sorted(rows, key=lambda row: row[0])


def print_report(result: dict[str, Any]) -> None:
    run = result["run"]
    print(f"\nRun {run['run_id']} ({run['status']}): {run.get('goal', '')}\n")
    print(f"  {'+ms':>7} {'Δms':>6}  {'where':22} what happened")
    start = previous = result["idea_created"]
    for when, where, what in timeline_rows(result):
        total, delta = (when - start).total_seconds() * 1000, (when - previous).total_seconds() * 1000
        print(f"  {total:7.0f} {delta:6.0f}  {where:22} {what}")
        previous = when
    print(
        "  (plan waits for the end of the page's window and as long again, at most 60 s, for Notion's"
        " reads to show every change of it: NA_WEBHOOK_COALESCE_S is 2 s here, 60 s deployed; a page's"
        " changes within one window make one run; one made while the page's run is active is planned"
        " when it ends)"
    )
    bot = result["sandbox"]["ids"]["bot"]
    print("\nWhat the run wrote in the sandbox's demo workspace (the idea page, then the pages it created):")
    for page in result["sandbox"]["pages"]:
        written = [b for b in page["content"] if b.get("created_by") == bot] or page["content"]
        if page["created_by"] == bot or page["id"] == result["idea"]["id"]:
            props = page["properties"]
            title = props.get("title") or props.get("Name")
            extra = f", Status: {props['Status']}" if "Status" in props else ""
            print(f"  - {title!r} ({page['id']}{extra})")
            for block in written[:14]:
                if block.get("text"):
                    print(f"      {'  ' * block.get('depth', 0)}[{block['type']}] {block['text'][:90]}")
    print()


def main() -> int:
    exit_on_sigterm()
    print("Starting the local stack (Firestore and Cloud Tasks emulators, Notion sandbox, 7 functions)...")
    with LocalStack() as stack:
        print(f"Stack up in {stack.workdir} (logs kept there if the demo fails). Connecting...", flush=True)
        result = run_demo(stack)
        if result["run"]["status"] != "completed":
            stack.keep_workdir()  # the functions' logs say why
        print_report(result)
        print(f"  api: {stack.url(Target.API)}  (stopping the stack now)")
    print("Stack stopped.")
    return 0 if result["run"]["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
