import json
import logging

from shared import logs


def _format(record_msg: str, *args: object, **extra: object) -> dict[str, object]:
    formatter = logs.CloudLoggingFormatter("proj")
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, record_msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return dict(json.loads(formatter.format(record)))


def test_a_line_is_cloud_logging_json_with_trace_and_labels() -> None:
    with logs.log_context(trace="abc123", tenant="t1", run="r1"):
        entry = _format("hello %s", "world")
    assert entry["severity"] == "WARNING" and entry["message"] == "hello world"
    assert entry["logging.googleapis.com/trace"] == "projects/proj/traces/abc123"
    assert entry["logging.googleapis.com/labels"] == {"tenant": "t1", "run": "r1"}
    assert "logging.googleapis.com/trace" not in _format("outside")


def test_trace_comes_from_cloud_trace_context_or_traceparent() -> None:
    assert logs.trace_id("105445aa7843bc8bf206b12000100000/1;o=1", "") == "105445aa7843bc8bf206b12000100000"
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert logs.trace_id("", parent) == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert logs.trace_id("", "garbage") == ""


def test_registered_secrets_and_token_shapes_never_reach_a_line() -> None:
    logs.register_secret("s3cr3t-value-xyz")
    entry = _format(
        "calling with %s and Bearer abcdefghijkl and ntn_123456789abc",
        "s3cr3t-value-xyz",
        fields={"k": "s3cr3t-value-xyz"},
    )
    text = json.dumps(entry)
    assert "s3cr3t-value-xyz" not in text and "abcdefghijkl" not in text and "ntn_123456789abc" not in text
    assert logs.REDACTED in str(entry["message"])
