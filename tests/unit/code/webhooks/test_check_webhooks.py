"""GitHub's check deliveries, pure parts: the signature over the raw body, the
events that say a check is done, and the run a branch belongs to."""

import hashlib
import hmac
import json
import re

import pytest

from shared.code.domain.github_events import checks_done, comment_made, run_of, run_of_ref, signature_ok
from shared.tools.base import ToolContext, idempotency_key
from shared.tools.code.pull_request import branch_for, pull_request_body
from shared.workspace.domain.tenants import tenant_tag
from tests.support.platform.platform_fakes import FakeModel, FakeQueue


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_only_the_signature_of_these_very_bytes_with_this_secret_passes() -> None:
    body = b'{"action":"completed"}'
    assert signature_ok("s", body, sign("s", body))
    assert not signature_ok("s", body + b" ", sign("s", body))  # the raw body, not its JSON
    assert not signature_ok("other", body, sign("s", body))
    assert not signature_ok("s", body, None)
    assert not signature_ok("s", body, sign("s", body).replace("sha256=", "sha1="))
    assert not signature_ok("s", body, "sha256=é")


def test_a_branch_names_its_run_only_for_its_own_workspace() -> None:
    branch = branch_for(idempotency_key("t1", "run-7-b", 4))
    assert run_of(branch, tenant_tag("t1")) == "run-7-b"
    assert run_of(branch, tenant_tag("t2")) is None
    assert run_of("notion-agent/x", tenant_tag("t1")) is None
    assert run_of("main", tenant_tag("t1")) is None


def test_completed_check_runs_and_settled_statuses_are_what_counts() -> None:
    repo = {"full_name": "acme/site"}
    run = {"head_sha": "a" * 40, "check_suite": {"head_branch": "b1"}, "pull_requests": []}
    done = checks_done(
        "check_run", json.dumps({"action": "completed", "check_run": run, "repository": repo}).encode()
    )
    assert done is not None and (done.repository, done.sha, done.branches) == ("acme/site", "a" * 40, ("b1",))
    assert (
        checks_done(
            "check_run", json.dumps({"action": "created", "check_run": run, "repository": repo}).encode()
        )
        is None
    )
    status = {"state": "failure", "sha": "b" * 40, "branches": [{"name": "b2"}], "repository": repo}
    assert checks_done("status", json.dumps(status).encode()) == ("acme/site", "b" * 40, ("b2",))
    assert checks_done("status", json.dumps(status | {"state": "pending"}).encode()) is None
    assert checks_done("push", b"{}") is None
    with pytest.raises(ValueError, match="without its fields"):
        checks_done("check_run", b'{"action": "completed"}')


def _pr_comment(body: str) -> bytes:
    """An ``issue_comment`` delivery on a pull request whose description is ``body``."""
    issue = {"number": 7, "pull_request": {"url": "u"}, "body": body}
    payload = {"action": "created", "repository": {"full_name": "acme/site"}, "issue": issue}
    return json.dumps(payload | {"comment": {"user": {"login": "alice", "type": "User"}}}).encode()


def test_a_pull_requests_key_is_hidden_in_its_description_and_found_new_form_and_old() -> None:
    """Decision 0124: the description's key is an HTML comment GitHub does not show; a pull request
    opened before it (``Opened by Notion Agent · ref <key>``) is still found."""
    key = idempotency_key("t1", "r1", 2)
    ctx = ToolContext(
        "t1", "r1", 2, key, None, FakeModel(), FakeQueue(), prompt=lambda text: text, page_id="p1"
    )
    body = pull_request_body(ctx, "Adds the pricing page.")
    shown = re.sub(r"<!--.*?-->", "", body)  # what GitHub's Markdown renders
    assert shown.rstrip().endswith("Opened by Notion Agent") and key not in shown and "ref" not in shown
    for description in (body, f"Adds the pricing page.\n\nOpened by Notion Agent · ref {key}"):
        made = comment_made("issue_comment", _pr_comment(description))
        assert made is not None and made.refs == (key,)
        assert run_of_ref(made.refs[0], tenant_tag("t1")) == "r1"
    unsigned = comment_made("issue_comment", _pr_comment("Opened by Notion Agent"))
    assert unsigned is not None and unsigned.refs == ()
