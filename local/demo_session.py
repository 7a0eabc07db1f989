"""``make demo``'s session part (local/demo.py): the owner opens a session with the default agent,
asks a question (its answer streamed as the model writes it, citing the workspace's pages), has the
agent open a pull request (the run's events printed as its stream brings them, until it asks for
approval), steers it (the request rejected with the words, a new run takes them: decision 0169) and
approves the new run's request; it ends completed. The session's own stream then lists its messages."""

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from local.code_sandbox.sandbox import SEED

JSON = dict[str, Any]
QUESTION = "What do we draft the newsletter from?"
REQUEST = f"Open a pull request in {SEED['repository']}: add the retry notes"
STEER = "Also name the owner of the retry notes"
ENDED = ("completed", "failed", "cancelled")
type Event = tuple[int | None, str, JSON]  # (id, kind, data)


def _events(demo: Any, method: str, path: str, body: Any = None, last: int | None = None) -> Iterator[Event]:
    """One connection's events as they arrive (``Last-Event-ID`` after ``last``), until it ends."""
    headers = demo.auth | ({"Last-Event-ID": str(last)} if last is not None else {})
    url = demo.stack.url_of_api() + path
    answer = requests.request(method, url, json=body, headers=headers, stream=True, timeout=90)
    for _ in range(5):  # the owner's pace (a 429) waited out as its Retry-After says
        if answer.status_code != 429 or not answer.headers.get("Retry-After", "").isdigit():
            break
        answer.close()
        time.sleep(min(int(answer.headers["Retry-After"]), 5))
        answer = requests.request(method, url, json=body, headers=headers, stream=True, timeout=90)
    with answer:
        assert answer.status_code == 200, f"{method} {path} answered {answer.status_code}: {answer.text}"
        event_id, kind = None, ""
        for raw in answer.iter_lines(decode_unicode=True):
            line = raw if isinstance(raw, str) else raw.decode()
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                yield event_id, kind, json.loads(line[6:])
                event_id, kind = None, ""


def _said(kind: str, data: JSON) -> str:
    """A run's event in a line, as it streams."""
    if kind != "run_event":
        return kind
    what = data["kind"] + (f" #{data['step']} {data.get('tool', '')}".rstrip() if "step" in data else "")
    goal = [line for line in str(data.get("goal", "")).splitlines() if line.strip()][-1:]  # the message last
    detail = data.get("summary") or data.get("prompt") or data.get("decision") or "".join(goal)
    return f"{what} {str(detail).splitlines()[0][:70] if detail else ''}".strip()


def follow_run(
    demo: Any, run_id: str, until: Callable[[JSON], bool], last: int | None = None
) -> tuple[int | None, JSON]:
    """The run's events printed as its stream brings them (reconnecting after each ``deadline`` with the
    last id), until one ``until`` names or the stream's end: the last id read and that event. A run
    still being planned is a 404 until its plan is written: waited for first."""
    demo.wait(lambda: demo.get(f"/runs/{run_id}")[0] == 200 or None, f"run {run_id} to be planned", 90)
    for _ in range(60):
        for event_id, kind, data in _events(demo, "GET", f"/runs/{run_id}/events", last=last):
            last = event_id if event_id is not None else last
            if kind == "run_event":
                print(f"    [run {run_id} #{event_id}] {_said(kind, data)}", flush=True)
                demo.note(f"stream of run {run_id[:12]}", _said(kind, data))
                if until(data):
                    return last, data
            elif kind == "end":
                return last, data
        time.sleep(0.2)  # a deadline: reconnect, as an EventSource does
    raise TimeoutError(f"run {run_id}'s stream did not bring what was waited for")


def asks(data: JSON) -> bool:
    return data.get("kind") == "human_requested"


def ends(data: JSON) -> bool:
    return data.get("kind") == "run_finished"


def ask_streamed(demo: Any, session_id: str) -> JSON:
    """The question asked in the session, its answer printed chunk by chunk as it streams."""
    print(f"  Q: {QUESTION}\n  A: ", end="", flush=True)
    answer: JSON = {}
    body = {"text": QUESTION, "request_id": "demo-ask"}
    for _id, kind, data in _events(demo, "POST", f"/sessions/{session_id}/answers", body):
        if kind == "chunk":
            print(data["text"].replace("\n", "\n     "), end="", flush=True)
        elif kind == "answer":
            answer = data
        elif kind == "failed":
            raise AssertionError(f"the question failed: {data['reason']}")
    print(flush=True)
    cited = ", ".join(repr(c["title"]) for c in answer.get("cited", [])) or "none"
    demo.note("api (session)", f"answered {QUESTION!r} as it was written, citing {cited}")
    return answer


def post(demo: Any, session_id: str, text: str, act: str, key: str) -> JSON:
    said: JSON = demo.api(
        "POST", f"/sessions/{session_id}/messages", {"text": text, "act": act, "request_id": key}
    )
    demo.note("owner → api (session)", f"{act}: {text!r} → {said['state']} {said.get('run_id', '')}".strip())
    return said


def session_walk(demo: Any) -> JSON:
    """The walk (module docstring): the session, its answer, both runs, and its messages as streamed."""
    demo.api("PATCH", "/settings", {"github_repositories": [SEED["repository"]]})
    demo.api("PUT", "/integrations/github", {"token": SEED["github_token"]})
    demo.note("owner → api", f"allowed {SEED['repository']} and connected GitHub (the code sandbox)")
    session = demo.api("POST", "/sessions", {"request_id": "demo-session"})
    sid = session["session_id"]
    demo.note("owner → api", f"opened session {sid} with the default agent")
    print(f"\nA session with the default agent ({sid}), its events as they stream:", flush=True)
    answer = ask_streamed(demo, sid)
    print(f"  run: {REQUEST}", flush=True)
    first = post(demo, sid, REQUEST, "run", "demo-run")["run_id"]
    _, asked = follow_run(demo, first, asks)
    print(f"  steer: {STEER}", flush=True)
    steered = post(demo, sid, STEER, "steer", "demo-steer")
    print(f"    → {steered['answer']}", flush=True)
    second = steered["run_id"]
    last, waiting = follow_run(demo, second, asks)
    demo.api("POST", f"/runs/{second}/approve", {"request_id": waiting["request_id"]})
    demo.note("owner → api (session)", f"approved request {waiting['request_id']} of run {second}")
    print(f"  approved request {waiting['request_id']} of run {second}", flush=True)
    follow_run(demo, second, ends, last)
    run: JSON = demo.wait(lambda: _ended(demo, second), "the steered run to end", 120)
    messages: list[JSON] = []
    for _id, kind, data in _events(demo, "GET", f"/sessions/{sid}/events"):
        if kind == "message":
            messages.append(data)
            print(
                f"    [session #{data['place']}] {data['act']}: {data['state']} {data.get('run_id', '')}",
                flush=True,
            )
        if len(messages) == 3 or kind == "deadline":
            break
    first_run = demo.api("GET", f"/runs/{first}")
    return {"session_id": sid, "answer": answer, "first": first_run, "asked": asked, "waiting": waiting,
            "run": run, "steered": steered, "messages": messages}  # fmt: skip


def _ended(demo: Any, run_id: str) -> JSON | None:
    run: JSON = demo.api("GET", f"/runs/{run_id}")
    return run if run.get("status") in ENDED else None


def print_session(result: JSON) -> None:
    """What the session did, in plain words."""
    got = result["session"]
    run, first = got["run"], got["first"]
    decided = [e for e in run["events"] if e["kind"] == "human_responded"]
    print(f"A session ({got['session_id']}): {len(got['messages'])} messages, as its stream gave them")
    print(
        f"  asked: cited {', '.join(repr(c['title']) for c in got['answer'].get('cited', [])) or 'nothing'}"
    )
    print(f"  run {first['run_id']} asked for approval, then was steered: {first['status']}")
    print(f"  steered: {got['steered']['answer']}")
    print(
        f"  run {run['run_id']}: {len(decided)} decision ({', '.join(e['decision'] for e in decided)}), {run['status']}\n"
    )
