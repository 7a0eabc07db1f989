"""A notification_email over HTTP on the whole local stack, with the live notifier and the code
sandbox's mail relay: choosing it mails it a confirmation link (and nothing else); until its
recipient confirms it with the page that link opens (its script run by node), a run's notice goes to
the owner's Notion email; after, to the address. No log of the stack holds the link's token."""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from local.code_sandbox.testing import Admin
from local.demo import connect, http, wait_for
from local.stack import LocalStack
from tests.support.notify.link_pages import open_in_node

pytestmark = pytest.mark.e2e

OWNER = "ada@demo.example"  # the demo workspace's owner, as Notion (the sandbox) tells it
OPS = "ops@acme.example"
SUBJECT = "Confirm this address for Notion Agent notifications"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(extra_env={"NA_NOTIFIER_BACKEND": "live"}) as running:
        yield running


def run_and_wait(stack: LocalStack, auth: dict[str, str], request_id: str) -> dict[str, Any]:
    goal = "Write a short welcome note for the team"
    status, started, _ = http(
        "POST", stack.url_of_api() + "/runs", {"goal": goal, "request_id": request_id}, auth
    )
    assert status == 202, started
    run_id = str(started["run_id"])

    def finished() -> dict[str, Any] | None:
        run = http("GET", f"{stack.url_of_api()}/runs/{run_id}", headers=auth)[1]
        return run if run and run.get("status") in {"completed", "failed", "cancelled"} else None

    return wait_for(finished, f"run {run_id} to finish")


def notices_to(stack: LocalStack, admin: Admin, auth: dict[str, str], run: dict[str, Any]) -> set[str]:
    """Who got the run's mails (what its steps sent, and the notice of its end), once all are sent."""
    ids = {
        e["output"]["notification_id"]
        for e in run["events"]
        if e["kind"] == "tool_result" and e["tool"] == "send_notification"
    } | {f"{run['run_id']}-{run['status']}"}

    def sent() -> list[dict[str, Any]] | None:
        listed = http("GET", stack.url_of_api() + "/notifications?limit=100", headers=auth)[1]
        done = {n["notification_id"] for n in listed["notifications"] if n["status"] == "sent"}
        return (
            [m for m in admin.smtp_messages() if m["message_id"][1:].split(".")[0] in ids]
            if ids <= done
            else None
        )

    return {to for m in wait_for(sent, f"the mails of run {run['run_id']}") for to in m["rcpt_tos"]}


def test_an_address_gets_the_workspaces_mail_only_after_its_recipient_confirmed_it(stack: LocalStack) -> None:
    api = stack.url_of_api()
    admin = Admin(stack.code_sandbox_url)
    auth = connect(stack)  # the console's browser: its session cookie, Origin and CSRF token
    chosen = {"notification_email": OPS, "notification_channels": ["email"]}
    status, answer, _ = http("PATCH", api + "/settings", chosen, auth)
    assert status == 200 and answer["notification_email_confirmed"] is False, answer

    [mail] = wait_for(lambda: [m for m in admin.smtp_messages() if m["rcpt_tos"] == [OPS]], "the mail")
    assert mail["subject"] == SUBJECT and "Demo" in mail["text"]
    [link] = re.findall(r"https?://\S+/email-confirmations#\S+", mail["text"])
    page, _, token = link.partition("#")  # the token is in the fragment: no request's URL carries it
    assert urlsplit(link).netloc == urlsplit(api).netloc
    listed = http("GET", api + "/notifications", headers=auth)[1]
    assert listed["notifications"] and token not in json.dumps(listed)  # the owner never sees the link

    # before confirmation: a run's notices go to the owner, never to the unconfirmed address
    assert notices_to(stack, admin, auth, run_and_wait(stack, auth, "before-confirming")) == {OWNER}

    status, shown, _ = http("POST", page + "/preview", {"token": token})  # what the page shows first
    assert (status, shown["status"], shown["email"]) == (200, "waiting", OPS)
    # its recipient opens it in a browser (node runs the page's script) and presses the button
    looked = open_in_node(link, click=False)
    assert looked["shown"][0][-1] == {"tag": "button", "text": f"Confirm {OPS}"}
    assert http("GET", api + "/settings", headers=auth)[1]["notification_email_confirmed"] is False
    used = open_in_node(link, click=True)
    assert used["shown"][-1][0]["text"] == "Address confirmed"
    assert http("GET", api + "/settings", headers=auth)[1]["notification_email_confirmed"] is True

    assert notices_to(stack, admin, auth, run_and_wait(stack, auth, "after-confirming")) == {OPS}
    assert [m["rcpt_tos"] for m in admin.smtp_messages() if m["subject"] == SUBJECT] == [[OPS]]  # one

    status, refused, _ = http("POST", page + "/confirm", {"token": token[:-3] + "xyz"})  # tampered
    assert status == 401 and token[:-3] not in json.dumps(refused)
    logs = "\n".join(p.read_text(errors="replace") for p in (stack.workdir / "logs").glob("*.log"))
    assert token not in logs
