"""How fast a session's first event reaches a person, and whether its streams resume whole (``make
bench-sessions``), on the local stack (its api, Firestore emulator, Cloud Tasks emulator, functions).

- ``first_event_ratio``: the median time from posting a question (``POST /sessions/{id}/answers``) to
  its first event, over the median time of a plain request to the same api (``GET /sessions/{id}``),
  the two interleaved; goal at most :data:`RATIO_GOAL`.
- ``resume_gaps`` and ``resume_duplicates``: answers' streams and a run's events' stream
  (``GET /runs/{id}/events``), each cut after every possible event and resumed with
  ``Last-Event-ID``: the ids missing from, or received twice in, what the two connections gave.

- ``webhook_deliveries``, ``webhook_lost`` and ``webhook_duplicated_ids``: two endpoints registered
  through the api on a receiver on 127.0.0.1 (``outgoing.FlakyReceiver``: about half the first
  attempts answered 500, retried by the stack's queue) before the resumes; then messages asked and
  run, each posted twice. Each event the session's messages and runs should send an endpoint (by its
  types) must arrive signed, under one id, answered 200 once (``outgoing.tally``).

Last line: ``RESULT first_event_ratio=<r> resume_gaps=0 resume_duplicates=0 webhook_deliveries=<n>
webhook_lost=0 webhook_duplicated_ids=0``; exits 1 on a missed goal."""

import argparse
import statistics
import sys
import time
from collections import Counter
from typing import Any

import requests

from local.demo import connect, wait_for
from local.stack import LocalStack
from shared.outbound.domain.events import EventType
from tests.perf.sessions.outgoing import Expected, FlakyReceiver, Tally, tally

RATIO_GOAL = 1.5
# The api's pace per person raised: this bench's requests, not the pace, are what it measures.
UNPACED = {"NA_API_PERSON_PER_MIN": "600000", "NA_API_KEY_PER_MIN": "600000", "NA_API_BURST": "10000"}
QUESTION = "What did we decide about the price of the Pro plan?"
RUN_GOAL = "Write a note about the launch"
type Frame = tuple[int | None, str]
# The receiver's endpoints and the types each takes: one every type, one a session's messages and ends.
ENDPOINTS = {
    "/all": [t.value for t in EventType],
    "/some": [EventType.SESSION_MESSAGE.value, EventType.RUN_FINISHED.value, EventType.RUN_FAILED.value],
}
ENDS = {"completed": EventType.RUN_FINISHED.value, "failed": EventType.RUN_FAILED.value}


class Api:
    """The stack's api, as the console's browser calls it (its cookie, Origin and CSRF token)."""

    def __init__(self, stack: LocalStack) -> None:
        self.base, self.auth = stack.url_of_api(), connect(stack)
        self.http = requests.Session()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.http.request(method, self.base + path, json=body, headers=self.auth, timeout=30)
        assert answer.ok, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def stream(
        self, method: str, path: str, body: Any = None, last: int | None = None, cut: int | None = None
    ) -> tuple[list[Frame], float]:
        """The stream's events (id, kind), read until it ends or after ``cut`` events with an id (the
        connection then closed), resumed after ``last``; and the seconds to its first event."""
        headers = self.auth | ({"Last-Event-ID": str(last)} if last is not None else {})
        started = time.perf_counter()
        got: list[Frame] = []
        first = 0.0
        with self.http.request(
            method, self.base + path, json=body, headers=headers, stream=True, timeout=60
        ) as answer:
            assert answer.status_code == 200, answer.text
            event_id: int | None = None
            for raw in answer.iter_lines(decode_unicode=True):
                line = raw if isinstance(raw, str) else raw.decode()
                if line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("event: "):
                    first = first or time.perf_counter() - started
                    got.append((event_id, line[7:]))
                    if cut is not None and sum(1 for i, _ in got if i is not None) >= cut:
                        break  # the connection closed here, as a network cut would
                    event_id = None
        return got, first


def first_event_ratio(api: Api, session: str, rounds: int) -> tuple[float, float, float]:
    """(ratio, median first event s, median plain request s) over ``rounds`` interleaved pairs."""
    firsts: list[float] = []
    plains: list[float] = []
    for n in range(rounds + 2):  # the first two warm both paths up, not counted
        started = time.perf_counter()
        api.call("GET", f"/sessions/{session}?limit=1")
        plain = time.perf_counter() - started
        body = {"text": QUESTION, "request_id": f"ratio-{n}"}
        _, first = api.stream("POST", f"/sessions/{session}/answers", body)
        if n >= 2:
            plains.append(plain)
            firsts.append(first)
    first, plain = statistics.median(firsts), statistics.median(plains)
    return first / plain, first, plain


def gaps_and_duplicates(whole: list[Frame], parts: list[list[Frame]]) -> tuple[int, int]:
    """What the connections ``parts`` gave against the ids of the stream read whole: ids missing, and
    ids received more than once."""
    want = [i for i, _ in whole if i is not None]
    seen = Counter(i for part in parts for i, _ in part if i is not None)
    return sum(1 for i in want if seen[i] == 0), sum(c - 1 for c in seen.values() if c > 1)


def resumed(api: Api, session: str, questions: int) -> tuple[int, int, int]:
    """Each question's answer read whole once, then cut after each of its events and resumed: (gaps,
    duplicates, cuts made)."""
    gaps = duplicates = cuts = 0
    for q in range(questions):
        body = {"text": QUESTION, "request_id": f"resume-{q}"}
        path = f"/sessions/{session}/answers"
        whole, _ = api.stream("POST", path, body)
        count = sum(1 for i, _ in whole if i is not None)
        for cut in range(1, count):
            head, _ = api.stream("POST", path, body, cut=cut)
            last = next(i for i, _ in reversed(head) if i is not None)
            tail, _ = api.stream("POST", path, body, last=last)
            g, d = gaps_and_duplicates(whole, [head, tail])
            gaps, duplicates, cuts = gaps + g, duplicates + d, cuts + 1
    return gaps, duplicates, cuts


def run_resumed(api: Api, session: str) -> tuple[int, int, int]:
    """A run the session started, its events' stream followed to the end, then cut after each event and
    resumed: (gaps, duplicates, cuts made)."""
    said = api.call(
        "POST", f"/sessions/{session}/messages", {"text": RUN_GOAL, "act": "run", "request_id": "run"}
    )
    run_id = said["run_id"]

    def ended() -> bool | None:
        found = api.http.get(f"{api.base}/runs/{run_id}", headers=api.auth, timeout=10)
        done = found.ok and found.json()["status"] in ("completed", "failed", "cancelled")
        return True if done else None

    wait_for(ended, "the session's run to end", 120)
    whole, _ = api.stream("GET", f"/runs/{run_id}/events")
    assert whole[-1][1] == "end", whole
    gaps = duplicates = cuts = 0
    ids = [i for i, _ in whole if i is not None]
    for cut in range(1, len(ids)):
        head, _ = api.stream("GET", f"/runs/{run_id}/events", cut=cut)
        tail, _ = api.stream("GET", f"/runs/{run_id}/events", last=ids[cut - 1])
        g, d = gaps_and_duplicates(whole, [head, tail])
        gaps, duplicates, cuts = gaps + g, duplicates + d, cuts + 1
    return gaps, duplicates, cuts


def run_status(api: Api, run_id: str) -> str:
    """The run's status once it ended (waited for, two minutes at most)."""

    def ended() -> str | None:
        found = api.http.get(f"{api.base}/runs/{run_id}", headers=api.auth, timeout=10)
        status = found.json()["status"] if found.ok else ""
        return status if status in ("completed", "failed", "cancelled") else None

    return str(wait_for(ended, f"run {run_id} to end", 120, every_s=0.5))


def register(api: Api, receiver: FlakyReceiver, url: str) -> None:
    """The :data:`ENDPOINTS` registered through the api, their secrets given to the receiver."""
    for path, kinds in ENDPOINTS.items():
        body = {"url": url + path, "events": kinds, "request_id": "bench" + path.replace("/", "-")}
        receiver.secrets[path] = api.call("POST", "/webhooks/endpoints", body)["secret"]


def hook_load(api: Api, session: str, messages: int) -> None:
    """``messages`` messages, asked and run in turn, each posted twice as a retried delivery would
    be: the repeat answers the same message and names the same run (one run started)."""
    for n in range(messages):
        act = "run" if n % 2 else "ask"
        body = {"text": RUN_GOAL if act == "run" else QUESTION, "act": act, "request_id": f"hook-{n}"}
        first = api.call("POST", f"/sessions/{session}/messages", body)
        again = api.call("POST", f"/sessions/{session}/messages", body)
        assert (again["place"], again["run_id"]) == (first["place"], first["run_id"]), (first, again)


def expected_events(api: Api, session: str, after: int) -> set[Expected]:
    """What each endpoint should get of the session's messages after place ``after`` and of the runs
    they started (each waited for to its end): by the types it takes."""
    said = api.call("GET", f"/sessions/{session}?after={after}&limit=200")["messages"]
    settled = [m for m in said if m["state"] != "received"]
    ends = {run: run_status(api, run) for run in sorted({m["run_id"] for m in said if m["act"] == "run"})}
    want: set[Expected] = set()
    for path, kinds in ENDPOINTS.items():
        if EventType.SESSION_MESSAGE.value in kinds:
            want |= {(path, EventType.SESSION_MESSAGE.value, f"{session}.{m['place']}") for m in settled}
        for run, status in ends.items():
            events = (EventType.RUN_STARTED.value, ENDS.get(status, ""))
            want |= {(path, kind, run) for kind in events if kind in kinds}
    return want


def delivered(receiver: FlakyReceiver, want: set[Expected], wait_s: float) -> Tally:
    """The receiver's tally once every event of ``want`` arrived (or ``wait_s`` passed), then two
    seconds more: a delivery sent twice would arrive in them."""
    deadline = time.monotonic() + wait_s
    while tally(receiver.arrivals, want).lost and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)
    return tally(list(receiver.arrivals), want)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=21, help="timed pairs (plain request, first event)")
    parser.add_argument("--questions", type=int, default=3, help="answers cut and resumed after each event")
    parser.add_argument("--messages", type=int, default=6, help="messages asked and run for the webhooks")
    args = parser.parse_args(argv)
    print("Starting the local stack...", flush=True)
    receiver = FlakyReceiver()
    with receiver.served() as server, LocalStack(extra_env=UNPACED) as stack:
        api = Api(stack)
        session = api.call("POST", "/sessions", {"request_id": "bench"})["session_id"]
        ratio, first, plain = first_event_ratio(api, session, args.rounds)
        print(
            f"first event {first * 1000:.1f} ms, plain request {plain * 1000:.1f} ms (medians of {args.rounds})"
        )
        register(api, receiver, server.url)
        before = api.call("GET", f"/sessions/{session}?limit=1")["count"]
        a_gaps, a_dups, a_cuts = resumed(api, session, args.questions)
        r_gaps, r_dups, r_cuts = run_resumed(api, session)
        print(f"answers: {a_cuts} cuts resumed; a run's events: {r_cuts} cuts resumed")
        hook_load(api, session, args.messages)
        want = expected_events(api, session, before)
        hooks = delivered(receiver, want, 120)
        print(
            f"webhooks: {len(want)} events expected at {len(ENDPOINTS)} endpoints, {hooks.retried} "
            f"deliveries refused first and retried, {hooks.unverified} unverified"
        )
    gaps, duplicates = a_gaps + r_gaps, a_dups + r_dups
    missed = [
        *([f"first_event_ratio {ratio:.2f} > {RATIO_GOAL}"] if ratio > RATIO_GOAL else []),
        *([f"resume_gaps={gaps}"] if gaps else []),
        *([f"resume_duplicates={duplicates}"] if duplicates else []),
        *(["nothing was cut and resumed"] if not (a_cuts and r_cuts) else []),
        *([f"webhook_lost={hooks.lost}: {hooks.missing[:5]}"] if hooks.lost else []),
        *([f"webhook_duplicated_ids={hooks.duplicated_ids}"] if hooks.duplicated_ids else []),
        *([f"{hooks.unverified} deliveries unverified"] if hooks.unverified else []),
        *(["no delivery was refused and retried"] if not hooks.retried else []),
        *([f"{hooks.deliveries} deliveries, fewer than {len(want)}"] if hooks.deliveries < len(want) else []),
        *(["no webhook event was expected"] if not want else []),
    ]
    for goal in missed:
        print(f"MISSED {goal}")
    print(
        f"RESULT first_event_ratio={ratio:.2f} resume_gaps={gaps} resume_duplicates={duplicates} "
        f"webhook_deliveries={hooks.deliveries} webhook_lost={hooks.lost} "
        f"webhook_duplicated_ids={hooks.duplicated_ids}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
