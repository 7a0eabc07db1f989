"""``make demo``: the product as a person meets it, on the local stack, from connecting a workspace to
a decision made in Notion and today's plan page.

1. Connect the sandbox's demo workspace through the real OAuth flow (``GET /connect`` on api, Notion's
   authorize redirect, ``oauth-callback``), as a browser would, and keep the session cookie it sets.
2. Set up the agent's home under the page the owner picks (``GET /notion/pages``, ``POST /home``),
   choose the Ideas and Tasks data sources, and a trigger rule: Ideas' Status → "Ready for agent".
3. An unrelated edit (an idea renamed) starts nothing. The owner moves an idea to "Ready for agent":
   its signed webhook starts a run, whose row in Runs moves as it works and asks for a decision.
4. A member who is not the owner sets the row's Decision to Approve: refused, set back, answered.
   The owner approves on the row; the run finishes.
5. Cloud Scheduler's hourly call (``POST /schedule`` on plan) writes today's page in Daily plans.
6. Ask: choosing Ideas and Tasks indexed them at once (the workspace index is on, as on ``make
   stack``); a question and its follow-up are answered from them, each with the pages it cites.
7. An instructed agent with a reviewer: its instructions page read for its run, which maps over the
   Ideas rows as child runs, each write reviewed, and gathers them. A routine fires once for its slot.
8. Undo: the owner sets the first run's idea's Status by hand, then undoes that run: its
   plan page and the section it wrote are taken back, the Status left and listed as a conflict.
9. A session (local/demo_session.py): the owner asks in it (the answer streamed as it is written), has
   the agent open a pull request, steers it and approves the new run's request, each run's events
   printed as its stream brings them.
10. MCP: the owner connects the MCP sandbox and allows its create_note tool for the default agent;
   a run naming it calls it once, unasked. An MCP client (the SDK's) with an API key asks the
   workspace a question and starts a run (``POST /mcp``; local/demo_mcp.py).
11. Channels (local/demo_channels.py): a Slack mention answered in its thread, a mail answered in its
   thread (through the Pub/Sub emulator), a meeting's brief written before the meeting.
It prints the timeline and the pages as they are now, then stops the stack.
"""

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any

from local.demo_channels import channels_walk, print_channels
from local.demo_mcp import mcp_agent, mcp_client, print_mcp
from local.demo_session import print_session, session_walk
from local.stack import TASKS_SERVICE_ACCOUNT, LocalStack, stop_on_signals
from local.tasks_emulator import mint_id_token
from shared.platform.topology import Target
from shared.workspace.domain.connecting.connection import session_cookie
from shared.workspace.domain.daily import tick_of

READY = "Ready for agent"
LIVE = {"NA_NOTIFIER_BACKEND": "live"}  # notify sends, as deployed: comments go to the sandbox's pages
JSON = dict[str, Any]
# wait_for's default looks: the first after 0.05 s, each next half as late again, at most a second apart.
POLL_FIRST_S, POLL_MAX_S = 0.05, 1.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, Any]:
    """(status, JSON body or None, headers) without following redirects. A 429 (the api's pace per
    person) is waited out as its Retry-After says, then sent again, a few times at most."""
    for _ in range(5):
        status, payload, answered = _http_once(method, url, body, headers)
        if status != 429 or not str(answered.get("Retry-After", "")).isdigit():
            break
        time.sleep(min(int(answered["Retry-After"]), 5))
    return status, payload, answered


def _http_once(method: str, url: str, body: Any, headers: dict[str, str] | None) -> tuple[int, Any, Any]:
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


def wait_for[T](
    check: Callable[[], T | None], what: str, timeout_s: float = 60.0, every_s: float | None = None
) -> T:
    """What ``check`` answers once it answers something, asked for ``timeout_s``: every ``every_s``,
    or by default after POLL_FIRST_S, each next pause half as long again, at most POLL_MAX_S.
    A check that asks the api spends the person's pace (120 a minute, in windows of 40): at 0.05 s a
    wait of a few seconds spent a window's 40 in 2 s, then every request of that person waited out a
    429 until the window's end, up to 18 s after what it waited for (decision 0177)."""
    deadline, pause = time.monotonic() + timeout_s, every_s or POLL_FIRST_S
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(pause)
        if every_s is None:
            pause = min(pause * 1.5, POLL_MAX_S)
    raise TimeoutError(f"timed out waiting for {what} (see the stack's logs)")


def connect(stack: LocalStack, invite: str = "", workspace: str = "") -> dict[str, str]:
    """The OAuth flow as a browser runs it; returns the headers the console's browser then sends: the
    session cookie the callback set, and the Origin and CSRF token (``GET /session``) its changes need.
    ``invite``: a member invite's code, sent as the console sends it (``X-Invite-Code``); ``workspace``:
    the sandbox workspace's key the person approves for (default: the demo's)."""
    sent = {"X-Invite-Code": invite} if invite else None
    status, start, headers = http("GET", stack.url_of_api() + "/connect", headers=sent)
    assert status == 200, f"GET /connect answered {status}"
    cookie = "; ".join(f"{m.key}={m.value}" for m in SimpleCookie(headers["Set-Cookie"]).values())
    chosen = f"&sandbox_workspace={urllib.parse.quote(workspace)}" if workspace else ""
    status, _, headers = http("GET", start["authorize_url"] + chosen)  # Notion's consent approves at once
    callback = headers["Location"]
    status, _, headers = http("GET", callback, headers={"Cookie": cookie})
    assert status == 302, f"oauth-callback answered {status}"
    outcome = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).fragment))
    assert outcome.get("connected") == "true", f"connecting failed: {outcome.get('error')}"
    frontend_url = stack.env()["NA_FRONTEND_URL"]
    name = session_cookie(frontend_url).name
    jar: SimpleCookie = SimpleCookie()
    for header in headers.get_all("Set-Cookie"):
        jar.load(header)
    browser = {"Cookie": f"{name}={jar[name].value}"}
    status, me, _ = http("GET", stack.url_of_api() + "/session", headers=browser)
    assert status == 200, f"GET /session answered {status}: {me}"
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(frontend_url))
    return browser | {"Origin": origin, "X-CSRF-Token": me["csrf_token"]}


class Demo:
    """One walk through the product: what a person does, and what each part answered, with times."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.timeline: list[tuple[datetime, str, str]] = []
        self.auth: dict[str, str] = {}
        self.ids: dict[str, str] = stack.sandbox_admin("GET", "/workspaces/demo/state")["ids"]

    def note(self, where: str, what: str) -> None:
        self.timeline.append((datetime.now(UTC), where, what))

    def api(self, method: str, path: str, body: Any = None) -> Any:
        status, answer, _ = http(method, self.stack.url_of_api() + path, body, self.auth)
        assert 200 <= status < 300, f"{method} {path} answered {status}: {answer}"
        return answer

    def get(self, path: str) -> tuple[int, Any]:
        """``GET`` on the api as the owner: its status and body, whatever the status."""
        status, answer, _ = http("GET", self.stack.url_of_api() + path, None, self.auth)
        return status, answer

    def wait[T](self, check: Callable[[], T | None], what: str, timeout_s: float = 60.0) -> T:
        return wait_for(check, what, timeout_s)

    def act(self, person: str, method: str, path: str, body: JSON, what: str) -> JSON:
        """A person of the workspace calls Notion (the sandbox sends the signed webhook it causes)."""
        call = {"method": method, "path": path, "body": body, "user_id": self.ids[person]}
        self.note(f"{'owner' if person == 'owner' else 'member'} → Notion", what)
        answer: JSON = self.stack.sandbox_admin("POST", "/workspaces/demo/act", call)
        assert answer["status"] == 200, answer
        response: JSON = answer["response"]
        return response

    def deliver(self) -> list[JSON]:
        """Deliver the webhook events pending in the sandbox; what notion-webhook answered to each."""
        before = len(self.stack.sandbox_admin("GET", "/webhook/deliveries"))
        self.stack.sandbox_admin("POST", "/webhook/flush", {"timeout": 10, "force": True})
        new: list[JSON] = self.stack.sandbox_admin("GET", "/webhook/deliveries")[before:]
        for d in new:
            self.note("Notion → notion-webhook", f"{d['type']} event answered {d['status']}")
        return new

    def runs(self) -> list[JSON]:
        listed: list[JSON] = self.api("GET", "/runs").get("runs", [])
        return listed

    def state(self) -> JSON:
        state: JSON = self.stack.sandbox_admin("GET", "/workspaces/demo/state")
        return state


class RowWatch:
    """Polls the sandbox for the Runs rows and comments, and notes each new comment and each change of
    a row's Status, Current step or Decision: what people see in Notion as the run works."""

    FIELDS = ("Status", "Current step", "Decision")

    def __init__(self, demo: Demo, runs_source: str) -> None:
        self.demo, self.source = demo, runs_source
        self.seen: dict[str, tuple[Any, ...]] = {}
        self.lock = threading.Lock()  # the demo polls too, before it acts on what it saw
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "RowWatch":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.poll()
        self.stop.set()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        while not self.stop.wait(0.05):
            self.poll()

    def poll(self) -> None:
        with self.lock:
            self._poll()

    def _poll(self) -> None:
        state = self.demo.state()
        for comment in state["comments"]:
            if comment["id"] not in self.seen:
                self.seen[comment["id"]] = ()
                self.demo.note("comment in Notion", comment["text"].splitlines()[0][:100])
        for page in state["pages"]:
            if page["parent"].get("data_source_id") != self.source:
                continue
            props = page["properties"]
            now = tuple(props.get(f) for f in self.FIELDS)
            if self.seen.get(page["id"]) != now:
                self.seen[page["id"]] = now
                shown = ", ".join(f"{f}: {v}" for f, v in zip(self.FIELDS, now, strict=True) if v)
                self.demo.note("Runs row in Notion", shown)


def run_demo(stack: LocalStack) -> JSON:
    """The walk (module docstring): returns what a test or the report needs."""
    demo = Demo(stack)
    started = datetime.now(UTC)
    demo.auth = connect(stack)  # the console's browser: its cookie, Origin and CSRF token
    demo.note("owner → api", "connected the workspace through Notion OAuth")
    ids = demo.ids
    visible = demo.api("GET", "/notion/pages?query=" + urllib.parse.quote("Notion Agent home"))["results"]
    parent = next(p["id"] for p in visible if p["id"].replace("-", "") == ids["home_page"].replace("-", ""))
    rules = [{"kind": "property_changed", "property": "Status", "to": READY}, {"kind": "mentioned"}]
    settings = {
        "data_source_ids": [ids["ideas_data_source"], ids["tasks_data_source"]],
        "triggers": {ids["ideas_data_source"]: rules},
    }
    demo.api("PATCH", "/settings", settings)
    demo.note("owner → api", f"chose Ideas and Tasks; Ideas starts work on Status → {READY!r}")
    home = demo.api("POST", "/home", {"parent_page_id": parent, "tasks": "auto"})
    made = ", ".join(f"{kind} {d['state']}" for kind, d in home["databases"].items())
    demo.note("owner → api", f"set up the agent's home under 'Notion Agent home': {made}")
    runs_source = home["databases"]["runs"]["data_source_id"]
    [agent] = demo.api("GET", "/agents")["agents"]
    demo.note("api", f"the default agent {agent['name']!r}, its instructions in a page under the home")

    newsletter, dashboard = ids["idea_newsletter"], ids["idea_dashboard"]
    rename = {"properties": {"Name": {"title": [{"text": {"content": "A dashboard of overdue tasks"}}]}}}
    demo.act("owner", "PATCH", f"pages/{dashboard}", rename, "renamed an idea (no rule names its title)")
    demo.deliver()

    with RowWatch(demo, runs_source) as watch:
        ready = {"properties": {"Status": {"status": {"name": READY}}}}
        demo.act(
            "owner", "PATCH", f"pages/{newsletter}", ready, f"moved 'Automate the newsletter' to {READY!r}"
        )
        demo.deliver()
        run_id = wait_for(
            lambda: next((r["run_id"] for r in demo.runs()), None), "the trigger to start a run"
        )
        row = wait_for(
            lambda: _row(demo, runs_source, "Decision", "Waiting"), "the row to ask for a decision"
        )
        watch.poll()  # the timeline shows what the member saw before acting
        approve = {"properties": {"Decision": {"select": {"name": "Approve"}}}}
        demo.act(
            "teammate", "PATCH", f"pages/{row['id']}", approve, "a member sets the row's Decision to Approve"
        )
        demo.deliver()
        wait_for(lambda: _comments_on(demo, row["id"]), "the answer to the member")
        wait_for(lambda: _row(demo, runs_source, "Decision", "Waiting", after=watch), "the Decision set back")
        watch.poll()
        demo.act(
            "owner", "PATCH", f"pages/{row['id']}", approve, "the owner sets the row's Decision to Approve"
        )
        demo.deliver()
        run = wait_for(lambda: _finished(demo, run_id), "the run to finish")
        wait_for(lambda: _row(demo, runs_source, "Status", "Completed"), "the row to show the end")

    plan_page = daily_plan(demo)
    # Long past the rename's window (a run it had started would be listed by now): none.
    renamed = [r for r in demo.runs() if dashboard.replace("-", "") in r["run_id"]]
    quiet = not renamed
    demo.note("api", f"runs of the renamed idea, listed at the end: {len(renamed)}")
    sandbox = demo.state()  # as the first run and the day's plan left it
    asked, session = ask_the_workspace(demo), session_walk(demo)  # the session asks of the same index
    instructed = instructed_map(demo)
    routine = routine_once(demo)
    agents_sandbox = demo.state()  # as the agents left it, before the undo
    undone = undo_first_run(demo, run["run_id"], newsletter)
    # Then MCP, and the channels where the team already talks: Slack, mail and the calendar.
    tooled, client, channels = mcp_agent(demo), mcp_client(demo, QUESTIONS[0]), channels_walk(demo)
    return {
        "started": started, "browser": demo.auth, "quiet": quiet, "idea_id": newsletter, "run": run, "row_id": row["id"],
        "plan_page": plan_page, "home": home, "sandbox": sandbox, "timeline": sorted(demo.timeline),
        "instructed": instructed, "routine": routine, "asked": asked, "session": session, "agents_sandbox": agents_sandbox, "undo": undone,
        "mcp_agent": tooled, "mcp_client": client, "channels": channels,
        "deliveries": stack.sandbox_admin("GET", "/webhook/deliveries"),
        "notifications": [json.loads(p.read_text()) for p in sorted(stack.outbox_dir.glob(f"{run['run_id']}-*.json"))],
    }  # fmt: skip


def undo_first_run(demo: Demo, run_id: str, idea: str) -> JSON:
    """The owner sets the idea's Status by hand, then undoes run ``run_id`` as the console's "Undo this
    run" does (``GET`` then ``POST /runs/{id}/undo``): what the undo did, once its run ended."""
    exploring = {"properties": {"Status": {"status": {"name": "Exploring"}}}}
    demo.act("owner", "PATCH", f"pages/{idea}", exploring, "set the idea's Status to 'Exploring' by hand")
    demo.deliver()
    offer = demo.api("GET", f"/runs/{run_id}/undo")
    demo.note("owner → api", f"undo run {run_id}: {len(offer['effects'])} changes to take back")
    demo.api("POST", f"/runs/{run_id}/undo", {})

    def ended() -> JSON | None:
        now: JSON = demo.api("GET", f"/runs/{run_id}/undo")
        return now if now["status"] in ("completed", "failed", "cancelled") else None

    done = wait_for(ended, "the undo to end", 120)
    for u in done["undone"]:
        demo.note("undo run", f"change {u['effect']} ({u['tool']}): {u['outcome']}")
    return done


def print_undo(result: JSON) -> None:
    """What the undo restored and what it left, as the run page says it."""
    undo = result["undo"]
    print(f"Undo of run {undo['undoes']} (its own run {undo['run_id']}, {undo['status']}):")
    for u in undo["undone"]:
        if u["outcome"] == "conflict":
            print(
                f"  - change {u['effect']} ({u['tool']}) left: it wrote {u['written']}, it now holds {u['current']}"
            )
        else:
            print(f"  - change {u['effect']} ({u['tool']}): {u['outcome']}")
    print()


def _row(demo: Demo, source: str, field: str, value: str, after: RowWatch | None = None) -> JSON | None:
    """The first row of the Runs data source whose ``field`` reads ``value``; with ``after``, only once
    the watch saw it read something else since (the Decision set back after the member's change)."""
    rows = [p for p in demo.state()["pages"] if p["parent"].get("data_source_id") == source]
    found = next((p for p in rows if p["properties"].get(field) == value), None)
    if after is not None and found is not None:
        changes = [what for _, where, what in demo.timeline if where == "Runs row in Notion"]
        if not any("Decision: Approve" in c for c in changes):
            return None
    return found


def _comments_on(demo: Demo, page_id: str) -> list[JSON]:
    return [c for c in demo.state()["comments"] if c["parent"].get("page_id") == page_id]


def _finished(demo: Demo, run_id: str) -> JSON | None:
    run: JSON = demo.api("GET", f"/runs/{run_id}")
    return run if run.get("status") in {"completed", "failed", "cancelled"} else None


def scheduler_call(demo: Demo, why: str) -> datetime:
    """Cloud Scheduler's hourly ``POST /schedule`` on plan; the tick (UTC hour) it stands for."""
    tick = tick_of(datetime.now(UTC))
    url = demo.stack.url(Target.PLAN)
    token = mint_id_token("na-scheduler@" + TASKS_SERVICE_ACCOUNT.partition("@")[2], url)
    demo.note("Cloud Scheduler → plan", f"POST /schedule for {tick:%H:%M} UTC, {why}")
    status, answer, _ = http("POST", url + "/schedule", {}, {"Authorization": f"Bearer {token}"})
    assert status == 200, f"POST /schedule answered {status}: {answer}"
    return tick


def daily_plan(demo: Demo) -> JSON:
    """Cloud Scheduler's hourly call, at an hour that is this workspace's planning hour, and the page
    it makes in Daily plans."""
    demo.api("PATCH", "/settings", {"timezone": "UTC", "planning_hour": tick_of(datetime.now(UTC)).hour})
    scheduler_call(demo, "the planning hour")
    source = demo.api("GET", "/home")["databases"]["daily_plans"]["data_source_id"]
    page: JSON = wait_for(
        lambda: next((p for p in demo.state()["pages"] if p["parent"].get("data_source_id") == source), None),
        "today's plan page",
    )
    demo.note("plan → Notion", f"wrote {page['properties'].get('Plan')!r} in Daily plans")
    return page


QUESTIONS = ("What do we draft the newsletter from?", "And on which day is it sent?")


def ask_the_workspace(demo: Demo) -> list[JSON]:
    """Ask, as the console's Ask box sends it: once the chosen rows are in the index (choosing them
    queued their first index), a question and a follow-up in the same conversation. Each answer with
    the pages it cites."""
    from google.cloud import firestore

    from local.stack import PROJECT
    from shared.memory.adapters.firestore_passages import FirestorePassages

    ids = demo.ids
    tenant_id = demo.api("GET", "/session")["tenant_id"]
    rows = [p for p in demo.state()["pages"] if p["parent"].get("data_source_id") in
            {ids["ideas_data_source"], ids["tasks_data_source"]}]  # fmt: skip
    os.environ["FIRESTORE_EMULATOR_HOST"] = f"127.0.0.1:{demo.stack.firestore_port}"  # the demo's own process
    index = FirestorePassages(firestore.Client(project=PROJECT))
    wait_for(lambda: len(list(index.indexed_pages(tenant_id))) >= len(rows), "the chosen rows' first index")
    demo.note("plan", f"indexed the {len(rows)} rows of Ideas and Tasks when they were chosen")
    answers: list[JSON] = []
    conversation: str | None = None
    for question in QUESTIONS:
        body = {"question": question} | ({"conversation_id": conversation} if conversation else {})
        demo.note("owner → api", f"asked {question!r}")
        got: JSON = demo.api("POST", "/ask", body)
        conversation = got["conversation_id"]
        cited = ", ".join(repr(c["title"]) for c in got["cited"]) or "none"
        demo.note("api", f"searched {got['searched']!r}; answered, citing {cited}")
        answers.append({"question": question} | got)
    return answers


REVIEWER = "Idea reviewer"
REVIEWED = "Reviewed by the idea reviewer"
REVIEWER_WORDS = (
    f'For each row of the data source this page is in, comment "{REVIEWED}" on the row. Then say on '
    'this page how many rows were done. Never write "guarantee".'
)


def instructed_map(demo: Demo) -> JSON:
    """An agent the owner instructs (its instructions page under the home, read for its run) with a
    reviewer pass, named in a comment: its run maps over the Ideas rows as child runs and gathers them."""
    made = demo.api("POST", "/agents", {"name": REVIEWER, "instructions": REVIEWER_WORDS, "review": "same"})
    agent = demo.api("GET", f"/agents/{made['agent_id']}")
    page = agent["instructions"]["current"]
    demo.note("owner → api", f"made the agent {REVIEWER!r}; its instructions page under the home reads:")
    demo.note("api", f"  {page['text'][:90]}… (version {page['content_hash']}); a reviewer checks each write")
    mention = {"type": "mention", "mention": {"type": "user", "user": {"id": demo.ids["bot"]}}}
    asked = {"text": {"content": f" {REVIEWER}, please go through our ideas"}}
    body = {"parent": {"page_id": demo.ids["idea_dashboard"]}, "rich_text": [mention, asked]}
    demo.act("owner", "POST", "comments", body, f"commented on an idea, naming {REVIEWER!r}")
    demo.deliver()

    def runs_of_agent() -> list[JSON]:
        listed: list[JSON] = demo.api("GET", f"/runs?agent={made['agent_id']}&limit=50").get("runs", [])
        return listed

    def ended() -> list[JSON] | None:
        runs = runs_of_agent()
        parent = next((r for r in runs if not r.get("parent_run_id")), None)
        return runs if parent and parent["status"] in {"completed", "failed", "cancelled"} else None

    runs = wait_for(ended, "the instructed agent's run and its children to end")
    [parent] = [r for r in runs if not r.get("parent_run_id")]
    children = [r for r in runs if r.get("parent_run_id") == parent["run_id"]]
    demo.note(
        "plan",
        f"run {parent['run_id']} of {parent['agent_name']!r}, instructions {parent['instructions_hash']}",
    )
    events = {r["run_id"]: demo.api("GET", f"/runs/{r['run_id']}")["events"] for r in runs}
    results = [e for e in events[parent["run_id"]] if e["kind"] == "tool_result"]
    done = [r for r in children if r["status"] == "completed"]
    demo.note("execute-step", f"map_rows started {len(children)} child runs, one per row of Ideas")
    demo.note(
        "execute-step", f"fan_in gathered them: {len(done)} completed, {len(children) - len(done)} failed"
    )
    verdicts = [e for log in events.values() for e in log if e["kind"] == "review_recorded"]
    passed = [v for v in verdicts if v["passed"]]
    demo.note(
        "execute-step", f"the reviewer passed {len(passed)} of {len(verdicts)} writes before they were made"
    )
    demo.note("api", f"the run ended {parent['status']}: {parent['summary']}")
    return {"agent": agent, "run": parent, "children": children, "reviews": verdicts, "results": results}


def routine_once(demo: Demo) -> JSON:
    """A routine due in this hour's slot: the scheduler calls twice (overlapping sweeps), one run."""
    hour = tick_of(datetime.now(UTC)).hour
    schedule = {"every": "daily", "hour": hour}
    words = "Every day, send the owner a short note saying good morning."
    made = demo.api(
        "POST", "/agents", {"name": "Morning note", "instructions": words, "schedules": [schedule]}
    )
    demo.note(
        "owner → api", f"made the routine 'Morning note': daily at {hour:02d}:00 in the workspace's zone"
    )
    for why in ("the routine's slot", "the same slot again, as an overlapping sweep would"):
        scheduler_call(demo, why)

    def ended() -> list[JSON] | None:
        runs: list[JSON] = demo.api("GET", f"/runs?agent={made['agent_id']}").get("runs", [])
        return (
            runs if runs and all(r["status"] in {"completed", "failed", "cancelled"} for r in runs) else None
        )

    runs = wait_for(ended, "the routine's run to end")
    time.sleep(1)  # long enough for a second run of the slot to show, were there one
    runs = demo.api("GET", f"/runs?agent={made['agent_id']}")["runs"]
    listed = ", ".join(f"{r['run_id']} ({r['status']})" for r in runs)
    demo.note("plan", f"two calls for the slot, {len(runs)} run: {listed}")
    return {"agent": made, "runs": runs}


def _where(event: JSON) -> str:
    """Which function wrote a run event."""
    if event["kind"] == "human_responded":
        return f"execute-step ({event.get('via', '')})"
    if event["kind"] == "run_planned" or event.get("purpose") == "plan":
        return "notion-webhook → plan"
    return "execute-step"


def timeline_rows(result: JSON) -> list[tuple[datetime, str, str]]:
    rows = list(result["timeline"])
    for event in result["run"]["events"]:
        what = event["kind"] + (f" #{event['step']} {event.get('tool', '')}" if "step" in event else "")
        detail = event.get("summary") or event.get("prompt") or event.get("decision") or ""
        rows.append(
            (datetime.fromisoformat(event["at"]), _where(event), f"{what} {str(detail)[:60]}".strip())
        )
    return sorted(rows, key=lambda row: row[0])


def print_report(result: JSON) -> None:
    run = result["run"]
    by = f", agent {run['agent_name']!r}" if run.get("agent_name") else ""
    print(f"\nRun {run['run_id']} ({run['status']}{by}): {run.get('goal', '')}\n")
    print(f"  {'+ms':>7} {'Δms':>6}  {'where':26} what happened")
    start = previous = result["started"]
    for when, where, what in timeline_rows(result):
        total, delta = (when - start).total_seconds() * 1000, (when - previous).total_seconds() * 1000
        print(f"  {total:7.0f} {delta:6.0f}  {where:26} {what}")
        previous = when
    print(
        "  (plan waits for the end of the page's window and as long again, at most 60 s, for Notion's"
        " reads to show every change of it: NA_WEBHOOK_COALESCE_S is 2 s here, 60 s deployed)"
    )
    state = result["sandbox"]
    bot = state["ids"]["bot"]
    shown = {state["ids"]["idea_newsletter"], result["row_id"], result["plan_page"]["id"]}
    print("\nThe pages as they are now (the idea, what the run wrote, its row, today's plan):")
    for page in state["pages"]:
        if page["id"] not in shown and page["created_by"] != bot:
            continue
        props = {k: v for k, v in page["properties"].items() if v not in (None, "", [])}
        title = (
            props.pop("title", None)
            or props.pop("Name", None)
            or props.pop("Goal", None)
            or props.pop("Plan", "")
        )
        print(f"  - {title!r} {json.dumps(props, ensure_ascii=False)[:160]}")
        for block in page["content"][:16]:
            if block.get("text"):
                print(f"      {'  ' * block.get('depth', 0)}[{block['type']}] {block['text'][:90]}")
        for comment in (c for c in state["comments"] if c["parent"].get("page_id") == page["id"]):
            lines = " · ".join(line for line in comment["text"].splitlines() if line.strip())
            print(f"      (comment) {lines[:130]}")
    print()


def print_answers(result: JSON) -> None:
    """The questions asked of the workspace, each answer and the pages it cites."""
    print("Ask, answered from the workspace index:")
    for got in result["asked"]:
        print(
            f"  Q: {got['question']}"
            + (f"  (searched as {got['searched']!r})" if got["searched"] != got["question"] else "")
        )
        print(f"  A: {got['answer'].split(chr(10) + chr(10) + 'Sources:')[0][:200]}")
        for page in got["cited"]:
            print(f"     cited: {page['title']!r} {page['url']}")
    print()


def print_agents(result: JSON) -> None:
    """The instructed agent's map and the routine, in plain words."""
    instructed, routine = result["instructed"], result["routine"]
    run, children = instructed["run"], instructed["children"]
    reviews = instructed["reviews"]
    print(f"An instructed agent: {run['agent_name']!r} (instructions version {run['instructions_hash']})")
    print(f"  its run {run['run_id']} mapped over {len(children)} rows of Ideas as child runs:")
    for child in children:
        print(f"    - {child['run_id']}: {child['status']}, {child['summary'][:80]}")
    print(
        f"  the reviewer passed {sum(v['passed'] for v in reviews)} of {len(reviews)} writes; the run {run['status']}"
    )
    [fired] = routine["runs"] or [{"run_id": "none", "status": "never started"}]
    print(
        f"A routine: 'Morning note' fired once for its slot ({len(routine['runs'])} run): {fired['run_id']} {fired['status']}\n"
    )


def main() -> int:
    stop_on_signals()
    print(
        "Starting the local stack (Firestore, Cloud Tasks and Pub/Sub emulators, the sandboxes, 7 functions)..."
    )
    with LocalStack(extra_env=LIVE, person_env=dict(os.environ), code_seed=True, google=True) as stack:
        print(f"Stack up in {stack.workdir} (logs kept there if the demo fails). Connecting...", flush=True)
        result = run_demo(stack)
        if any(r["status"] != "completed" for r in _ran(result)):
            stack.keep_workdir()  # the functions' logs say why
        print_report(result)
        print_answers(result)
        print_agents(result)
        print_undo(result)
        print_session(result)
        print_mcp(result)
        print_channels(result)
        print(f"  api: {stack.url(Target.API)}  (stopping the stack now)")
        print(f"  console: {stack.console_url}/  (`make web`, then `make stack`, keeps one up to open)")
    print("Stack stopped.")
    answered = all(
        got["cited"] for got in [*result["asked"], result["session"]["answer"]]
    )  # each cites a page
    undone = result["undo"]["status"] == "completed"
    return 0 if answered and undone and all(r["status"] == "completed" for r in _ran(result)) else 1


def _ran(result: JSON) -> list[JSON]:
    """The demo's runs that must complete: the first, the instructed agent's and its children, the routine,
    the MCP ones, the session's steered run and the channels' three."""
    instructed = result["instructed"]
    mcp = [result["mcp_agent"]["run"], result["mcp_client"]["run"]]
    ran = [result["run"], instructed["run"], *instructed["children"], *result["routine"]["runs"], *mcp]
    channels = [result["channels"][c]["run"] for c in ("slack", "mail", "meeting")]
    return [*ran, result["session"]["run"], *channels]


if __name__ == "__main__":
    sys.exit(main())
