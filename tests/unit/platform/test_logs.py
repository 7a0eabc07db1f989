import json
import logging
import re
import sys
from typing import Any

import pytest

from shared.platform import logs


def _format(record_msg: str, *args: object, **extra: object) -> dict[str, Any]:
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
    cloud = logs.trace_context("105445aa7843bc8bf206b12000100000/2748;o=1", "")
    assert cloud == logs.TraceContext("105445aa7843bc8bf206b12000100000", "0000000000000abc", True)
    assert logs.trace_context("105445aa7843bc8bf206b12000100000/1;o=0", "").sampled is False
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert logs.trace_context("", parent) == logs.TraceContext(
        "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", True
    )
    assert logs.trace_context("", parent[:-2] + "00").sampled is False
    assert logs.trace_context("", "garbage") == logs.trace_context("not/a;trace", "") == logs.TraceContext("")


def test_a_line_carries_span_sampling_and_rfc3339_time() -> None:
    trace = logs.TraceContext("abc123", "00f067aa0ba902b7", True)
    with logs.log_context(trace=trace, execution_id="exec-1"):
        entry = _format("hello")
    assert entry["logging.googleapis.com/spanId"] == "00f067aa0ba902b7"
    assert entry["logging.googleapis.com/trace_sampled"] is True
    assert entry["logging.googleapis.com/labels"]["execution_id"] == "exec-1"
    # RFC 3339 in UTC with microseconds (Cloud Logging keeps the sub-second order of lines)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", str(entry["time"])), entry["time"]
    assert logs.rfc3339(0.25) == "1970-01-01T00:00:00.250000Z"
    assert "logging.googleapis.com/spanId" not in _format("outside")


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


def test_only_an_error_with_an_exception_is_an_error_reporting_event() -> None:
    """shared/platform/logs.py adds stack_trace and the ReportedErrorEvent @type to ERROR lines with a traceback
    (tests/unit/platform/entry/test_entry_points.py: an unhandled exception); other lines stay plain."""
    formatter = logs.CloudLoggingFormatter("proj")
    try:
        raise ValueError("handled with s3cret-value-42")
    except ValueError:
        exc_info = sys.exc_info()
    logs.register_secret("s3cret-value-42")
    plain_error = logging.LogRecord("t", logging.ERROR, __file__, 1, "run failed", (), None)
    warning = logging.LogRecord("t", logging.WARNING, __file__, 1, "retrying", (), exc_info)
    for record in (plain_error, warning):
        assert {"@type", "stack_trace"}.isdisjoint(json.loads(formatter.format(record)))
    error = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), exc_info)
    entry = json.loads(formatter.format(error))
    assert entry["@type"] == logs.ERROR_EVENT_TYPE
    assert entry["stack_trace"].rstrip().endswith("ValueError: handled with [REDACTED]")


def test_the_trace_goes_on_as_headers_only_inside_a_traced_request() -> None:
    """What a task carries (shared/platform/adapters/cloud_tasks.py) reads back as the same trace."""
    assert logs.trace_headers() == {}
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with logs.log_context(trace=logs.trace_context("", parent)):
        headers = logs.trace_headers()
    assert headers["traceparent"] == parent
    assert logs.trace_context(headers["X-Cloud-Trace-Context"], "") == logs.trace_context("", parent)
    with logs.log_context(trace=logs.TraceContext("105445aa7843bc8bf206b12000100000", "", False)):
        unspanned = logs.trace_headers()
    assert unspanned["traceparent"] == "00-105445aa7843bc8bf206b12000100000-0000000000000001-00"
    with logs.log_context(trace=logs.TraceContext("abc123")):  # not a W3C trace id: Cloud Trace's header only
        assert set(logs.trace_headers()) == {"X-Cloud-Trace-Context"}


# Each tool's token shape, built here from its prefix and a body so that no secret scanner
# takes the repository's text for a real token.
_BODY = "Zq7" + "x9KpL2mN4vR8tY1wE6" + "aB3cD5"
_TOOL_TOKENS = {
    "GitLab personal": "gl" + "pat-" + _BODY,
    "GitLab OAuth": "gl" + "oas-" + _BODY,
    "GitLab deploy": "gl" + "dt-" + _BODY,
    "GitLab runner": "gl" + "rt-" + _BODY,
    "Linear API key": "lin" + "_api_" + _BODY,
    "Linear OAuth": "lin" + "_oauth_" + _BODY,
    "GitHub classic": "gh" + "p_" + _BODY,
    "GitHub OAuth": "gh" + "o_" + _BODY,
    "GitHub user-to-server": "gh" + "u_" + _BODY,
    "GitHub installation": "gh" + "s_" + _BODY,
    "GitHub refresh": "gh" + "r_" + _BODY,
    "GitHub fine-grained": "github" + "_pat_" + "11ABCDEFG0" + _BODY + "_" + _BODY,
    "Slack bot": "xo" + "xb-" + "1234567890-" + _BODY,
    "Slack user": "xo" + "xp-" + "1234567890-" + _BODY,
    "Slack app": "xa" + "pp-1-" + "A0123456789-" + _BODY,
}


@pytest.mark.parametrize("kind", list(_TOOL_TOKENS))
def test_every_tool_s_token_shape_is_masked_wherever_it_appears(kind: str) -> None:
    token = _TOOL_TOKENS[kind]
    for said in (f"calling with {token}", f"token={token}&x=1", f'{{"t": "{token}"}}', f"({token})"):
        masked = logs.redact(said)
        assert _BODY not in masked and logs.REDACTED in masked, (kind, masked)
    entry = _format("refused %s", token, fields={"token": token})
    assert _BODY not in json.dumps(entry), kind


def test_a_key_without_a_shape_is_masked_where_it_is_named_an_api_key() -> None:
    """Motion's keys are plain random text: masked as a header's or a field's value named an API key."""
    key = "mKq2" + "Vb7+Zr9/Lp4Ws1Tn6Yh3=" + "Xc8"
    for said in (
        f"X-API-Key: {key}",
        f"{{'X-API-Key': '{key}', 'Accept': 'application/json'}}",
        f'{{"api_key": "{key}"}}',
        f"apikey={key}",
    ):
        masked = logs.redact(said)
        assert key not in masked and logs.REDACTED in masked, masked
    assert logs.redact("the api key was refused (401)") == "the api key was refused (401)"
    assert logs.redact("glpat is GitLab's prefix") == "glpat is GitLab's prefix"  # a word, no token
