"""Webhook subscription, event building and delivery on a background thread, with test switches."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from local.notion_sandbox.ids import now_iso, stable_id
from local.notion_sandbox.model import JSON, Change, Workspace
from local.notion_sandbox.signing import signature
from local.notion_sandbox.versions import CURRENT

AGGREGATED = {"page.content_updated", "page.properties_updated", "data_source.content_updated"}


@dataclass
class Subscription:
    url: str
    verification_token: str
    id: str
    integration_id: str
    verified: bool = False
    handshake_status: int | None = None
    api_version: str = CURRENT  # chosen when the subscription is made; its events carry it


@dataclass
class Switches:
    """Knobs for tests; every one defaults to a prompt, faithful single delivery."""

    aggregation_delay: float = 0.0  # seconds to hold aggregatable events and merge repeats
    delay: float = 0.0  # late delivery: seconds added before every event
    duplicates: int = 0  # extra deliveries of each event (same id, same body)
    reorder: bool = False  # deliver everything pending at once, newest first
    tamper_next: int = 0  # next N events: valid signature over the original body, different body sent
    max_attempts: int = 3
    retry_backoff: float = 0.05
    emit_bot_events: bool = True
    timeout: float = 5.0


@dataclass
class _Pending:
    event: JSON
    due: float
    key: tuple[str, str, str] | None


@dataclass
class Dispatcher:
    subscription: Subscription | None = None
    switches: Switches = field(default_factory=Switches)
    deliveries: list[JSON] = field(default_factory=list)
    _pending: list[_Pending] = field(default_factory=list)
    _in_flight: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _thread: threading.Thread | None = None
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(verify=False))  # loopback only
    _stopped: bool = False

    # -- configuration -------------------------------------------------------------------------
    def subscribe(
        self, url: str, verification_token: str | None, integration_id: str, api_version: str = CURRENT
    ) -> Subscription:
        """Store the subscription (its events in ``api_version``, chosen when it is made in Notion) and
        send the verification handshake (synchronously)."""
        token = verification_token or "secret_" + uuid.uuid4().hex
        sub = Subscription(
            url, token, stable_id("subscription", url), integration_id, api_version=api_version
        )
        try:
            response = self._http.post(url, json={"verification_token": token}, timeout=self.switches.timeout)
            sub.handshake_status = response.status_code
            sub.verified = response.is_success
        except httpx.HTTPError:
            sub.handshake_status = None
        with self._cond:
            self.subscription = sub
        return sub

    def configure(self, values: JSON) -> Switches:
        with self._cond:
            current = asdict(self.switches)
            unknown = set(values) - set(current)
            if unknown:
                raise ValueError(f"unknown webhook switches: {sorted(unknown)}")
            self.switches = Switches(**{**current, **values})
            self._cond.notify_all()
            return self.switches

    # -- emitting ------------------------------------------------------------------------------
    def emit(self, ws: Workspace, changes: list[Change]) -> list[str]:
        """Queue one event per change (merged into a pending one when aggregation applies)."""
        ids: list[str] = []
        with self._cond:
            sub = self.subscription
            if sub is None:
                return ids
            for change in changes:
                if change.author.type == "bot" and not self.switches.emit_bot_events:
                    continue
                ids.append(self._queue(ws, sub, change))
            self._cond.notify_all()
        return ids

    def _queue(self, ws: Workspace, sub: Subscription, change: Change) -> str:
        key = (ws.id, change.type, change.entity["id"]) if change.type in AGGREGATED else None
        hold = self.switches.aggregation_delay if key else 0.0
        if key and hold > 0:
            for pending in self._pending:
                if pending.key == key:
                    _merge(pending.event, change)
                    return str(pending.event["id"])
        event = build_event(ws, sub, change)
        self._pending.append(_Pending(event, time.monotonic() + hold + self.switches.delay, key))
        return str(event["id"])

    # -- delivery ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="notion-sandbox-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def flush(self, timeout: float, force: bool) -> bool:
        """Wait until nothing is pending or in flight; `force` makes held events due now."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if force:
                for pending in self._pending:
                    pending.due = 0.0
                self._cond.notify_all()
            while self._pending or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def _run(self) -> None:
        while True:
            with self._cond:
                batch = self._take_due()
                while not batch and not self._stopped:
                    self._cond.wait(self._wait_time())
                    batch = self._take_due()
                if self._stopped:
                    return
                self._in_flight += len(batch)
                switches, sub = self.switches, self.subscription
            for event in batch:
                self._deliver(event, switches, sub)
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _wait_time(self) -> float:
        if not self._pending:
            return 0.5
        return max(0.0, min(p.due for p in self._pending) - time.monotonic())

    def _take_due(self) -> list[JSON]:
        now = time.monotonic()
        if not any(p.due <= now for p in self._pending):
            return []
        if self.switches.reorder:
            batch, self._pending = self._pending, []
            return [p.event for p in reversed(batch)]
        due = [p for p in self._pending if p.due <= now]
        self._pending = [p for p in self._pending if p.due > now]
        return [p.event for p in sorted(due, key=lambda p: p.due)]

    def _deliver(self, event: JSON, switches: Switches, sub: Subscription | None) -> None:
        if sub is None or not sub.verified:
            self._record(event, None, "subscription not verified", False)
            return
        tamper = False
        with self._cond:
            if self.switches.tamper_next > 0:
                self.switches.tamper_next -= 1
                tamper = True
        for _ in range(1 + switches.duplicates):
            self._attempts(dict(event), switches, sub, tamper)

    def _attempts(self, event: JSON, switches: Switches, sub: Subscription, tamper: bool) -> None:
        for attempt in range(1, switches.max_attempts + 1):
            event["attempt_number"] = attempt
            body = json.dumps(event).encode()
            sent = json.dumps({**event, "workspace_name": event["workspace_name"] + " (tampered)"}).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Notion-Signature": signature(sub.verification_token, body),
            }
            try:
                response = self._http.post(
                    sub.url, content=sent if tamper else body, headers=headers, timeout=switches.timeout
                )
                status, error = response.status_code, None
            except httpx.HTTPError as exc:
                status, error = None, type(exc).__name__
            self._record(event, status, error, tamper)
            if status is not None and 200 <= status < 300:
                return
            time.sleep(switches.retry_backoff * (2 ** (attempt - 1)))

    def _record(self, event: JSON, status: int | None, error: str | None, tampered: bool) -> None:
        entry = {
            "event_id": event["id"],
            "type": event["type"],
            "workspace_id": event["workspace_id"],
            "entity_id": event["entity"]["id"],
            "attempt_number": event.get("attempt_number", 1),
            "status": status,
            "error": error,
            "tampered": tampered,
            "event": json.loads(json.dumps(event)),
        }
        with self._cond:
            self.deliveries.append(entry)


def build_event(ws: Workspace, sub: Subscription, change: Change) -> JSON:
    return {
        "id": str(uuid.uuid4()),
        "timestamp": now_iso(),
        "workspace_id": ws.id,
        "workspace_name": ws.name,
        "subscription_id": sub.id,
        "integration_id": sub.integration_id,
        "type": change.type,
        "authors": [change.author.ref()],
        "accessible_by": [
            {"id": ws.owner["user"]["id"], "type": "person"},
            {"id": ws.bot["id"], "type": "bot"},
        ],
        "attempt_number": 1,
        "api_version": sub.api_version,
        "entity": dict(change.entity),
        "data": json.loads(json.dumps(change.data)),
    }


def _merge(event: JSON, change: Change) -> None:
    """Aggregate a repeat change into a pending event, as Notion batches rapid edits."""
    event["timestamp"] = now_iso()
    if change.author.ref() not in event["authors"]:
        event["authors"].append(change.author.ref())
    for key in ("updated_properties", "updated_blocks"):
        if key in change.data:
            merged: list[Any] = event["data"].setdefault(key, [])
            merged += [item for item in change.data[key] if item not in merged]
