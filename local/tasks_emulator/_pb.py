"""The raw protobuf classes of Cloud Tasks v2 (from the proto-plus types) and time conversions.

The emulator works on the raw messages: they are what travels on the wire, they support
``HasField`` and ``FieldMask.MergeMessage``, and ``CopyFrom`` gives cheap snapshots.
"""

from typing import Any

from google.cloud import tasks_v2
from google.protobuf import duration_pb2, empty_pb2, timestamp_pb2

# protobuf ships no type information here, so raw messages are typed as Any.
type Pb = Any

QueuePb: Any = tasks_v2.Queue.pb()
TaskPb: Any = tasks_v2.Task.pb()
AttemptPb: Any = tasks_v2.Attempt.pb()
RetryConfigPb: Any = tasks_v2.RetryConfig.pb()
Empty: Any = empty_pb2.Empty
ListQueuesResponsePb: Any = tasks_v2.ListQueuesResponse.pb()
ListTasksResponsePb: Any = tasks_v2.ListTasksResponse.pb()

QUEUE_RUNNING = int(tasks_v2.Queue.State.RUNNING)
QUEUE_PAUSED = int(tasks_v2.Queue.State.PAUSED)
VIEW_BASIC = int(tasks_v2.Task.View.BASIC)
VIEW_FULL = int(tasks_v2.Task.View.FULL)
POST = int(tasks_v2.HttpMethod.POST)
HTTP_METHODS: dict[int, str] = {
    int(getattr(tasks_v2.HttpMethod, name)): name
    for name in ("POST", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS")
}


def timestamp(epoch_s: float) -> Pb:
    """A Timestamp for a wall-clock time in seconds, truncated to the microsecond."""
    ts = timestamp_pb2.Timestamp()
    ts.FromMicroseconds(int(epoch_s * 1_000_000))
    return ts


def epoch(ts: Pb) -> float:
    """Seconds since the epoch of a Timestamp."""
    return float(ts.seconds + ts.nanos / 1e9)


def seconds(duration: Pb) -> float:
    """Length of a Duration in seconds."""
    return float(duration.seconds + duration.nanos / 1e9)


def duration(length_s: float) -> Pb:
    """A Duration of ``length_s`` seconds, truncated to the microsecond."""
    d = duration_pb2.Duration()
    d.FromMicroseconds(int(length_s * 1_000_000))
    return d


def rfc3339(epoch_s: float) -> str:
    """An RFC 3339 UTC time, as Cloud Tasks prints schedule times."""
    return str(timestamp(epoch_s).ToJsonString())
