"""Who may connect (NA_SIGNUP_POLICY): open, an allowlist of workspace ids or email domains, invite
codes. Through the real api GET /connect, the Notion sandbox's OAuth and the oauth-callback, with the
Firestore emulator; a refused connect stores nothing and revokes the token Notion gave."""

import dataclasses
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from shared import bootstrap
from shared.workspace.domain.connecting import signup
from shared.workspace.domain.tenants import tenant_id_for
from tests.integration.notion_stack import Stack, fragment
from tests.support.platform.fake_container import json_body

pytestmark = pytest.mark.integration


def with_settings(stack: Stack, **changes: Any) -> Stack:
    """The stack's functions with the operator's settings ``changes`` (a fresh container)."""
    settings = stack.settings.replace(**changes)
    return dataclasses.replace(stack, settings=settings, container=bootstrap.Container(settings))


def workspace(stack: Stack, key: str) -> dict[str, Any]:
    found = [w for w in stack.admin.get("/workspaces") if w["key"] == key]
    return found[0] if found else dict(stack.admin.post("/workspaces", {"key": key, "seed": "empty"}))


def stored(stack: Stack) -> list[str]:
    return [
        d.reference.path for name in ("tenants", "workspaces") for d in stack.db.collection(name).stream()
    ]


def revokes(stack: Stack) -> list[int]:
    """The statuses of the oauth-callback's token revocations at Notion so far."""
    return [r["status"] for r in stack.admin.get("/requests") if r["path"] == "/v1/oauth/revoke"]


def connect(stack: Stack, key: str = "demo", invite: str | None = None) -> dict[str, str]:
    """The browser's whole flow, with an invite code in the header the console sends it in."""
    headers = {signup.INVITE_HEADER: invite} if invite is not None else {}
    answer = stack.client("api").get("/connect", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith("na_connect_nonce="))
    nonce = cookie.split(";", 1)[0].split("=", 1)[1]
    redirect = stack.callback(stack.authorize(json_body(answer)["authorize_url"], key), nonce)
    assert redirect.status_code == 302, redirect.get_data(as_text=True)
    return fragment(redirect.headers["Location"])


def assert_refused_storing_nothing(stack: Stack, outcome: dict[str, str], error: str) -> None:
    assert outcome["connected"] == "false" and outcome["error"] == error
    assert "nothing was connected" in outcome["reason"]  # told why, in words
    assert stored(stack) == [] and len(stack.secrets_file()) == 3  # no tenant, no route, no token secret
    assert revokes(stack) == [200]  # the token the exchange gave was revoked at Notion


def test_open_admits_anyone_with_the_operators_default_budgets(stack: Stack) -> None:
    stack = with_settings(
        stack,
        signup_policy="open",
        default_run_budget_usd=2.5,
        default_day_budget_usd=7.0,
        default_month_budget_usd=70.0,
    )
    acme = workspace(stack, "acme")
    outcome = connect(stack, "acme")
    assert outcome["connected"] == "true"
    tenant = stack.container.workspace.tenants.get(tenant_id_for(acme["workspace_id"]))
    assert tenant is not None
    budgets = tenant.settings
    assert (budgets.max_cost_per_run_usd, budgets.max_cost_per_day_usd, budgets.max_cost_per_month_usd) == (
        2.5,
        7.0,
        70.0,
    )
    assert revokes(stack) == []


def test_allowlist_by_workspace_id(stack: Stack) -> None:
    demo = workspace(stack, "demo")
    workspace(stack, "acme")
    listed = demo["workspace_id"].replace("-", "").upper()  # listed without hyphens, in another case
    stack = with_settings(stack, signup_policy="allowlist", signup_workspace_ids=f" {listed} ")
    refused = connect(stack, "acme")
    assert_refused_storing_nothing(stack, refused, "not_allowed")
    assert connect(stack, "demo")["connected"] == "true"
    assert stack.container.workspace.tenants.get(tenant_id_for(demo["workspace_id"])) is not None


def test_allowlist_by_email_domain(stack: Stack) -> None:
    workspace(stack, "acme")  # owned by ada@acme.example; demo by ada@demo.example
    stack = with_settings(stack, signup_policy="allowlist", signup_email_domains="example.org, demo.example")
    refused = connect(stack, "acme")
    assert_refused_storing_nothing(stack, refused, "not_allowed")
    assert connect(stack, "demo")["connected"] == "true"
    # Only the exact domain is admitted: a suffix of ada@demo.example's domain is not hers.
    sub = with_settings(stack, signup_email_domains="mo.example")
    assert connect(sub, "demo")["error"] == "not_allowed"


def make_invite(stack: Stack, uses: int) -> str:
    code = signup.new_invite_code()
    stack.container.workspace.invites.create(signup.invite_key(code), uses, datetime.now(UTC))
    return code


def test_an_invite_admits_as_many_workspaces_as_its_uses(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    workspace(stack, "acme")
    stack = with_settings(stack, signup_policy="invite")
    code = make_invite(stack, 1)
    key = signup.invite_key(code)
    assert connect(stack, "demo", invite=code)["connected"] == "true"
    assert stack.container.workspace.invites.uses_left(key) == 0
    # The same workspace reconnects without a code: it was admitted.
    assert connect(stack, "demo")["connected"] == "true"
    # Used up: told at GET /connect, before the person goes to Notion.
    answer = stack.client("api").get("/connect", headers={signup.INVITE_HEADER: code})
    assert answer.status_code == 409 and "used up" in json_body(answer)["reason"]
    docs = [d.to_dict() for d in stack.db.collection("invites").stream()]
    assert code not in str(docs) and [d.id for d in stack.db.collection("invites").stream()] == [key]
    assert caplog.records and code not in caplog.text  # never logged, by us or by a library


def test_an_invite_used_up_while_connecting_stores_nothing(stack: Stack) -> None:
    stack = with_settings(stack, signup_policy="invite")
    code = make_invite(stack, 1)
    url_answer = stack.client("api").get("/connect", headers={signup.INVITE_HEADER: code})
    assert url_answer.status_code == 200
    cookie = next(h for h in url_answer.headers.getlist("Set-Cookie") if h.startswith("na_connect_nonce="))
    assert code not in json_body(url_answer)["authorize_url"]  # the state carries its hash only
    assert stack.container.workspace.invites.use(
        signup.invite_key(code)
    )  # someone else's connect took it meanwhile
    nonce = cookie.split(";", 1)[0].split("=", 1)[1]
    redirect = stack.callback(stack.authorize(json_body(url_answer)["authorize_url"]), nonce)
    outcome = fragment(redirect.headers["Location"])
    assert_refused_storing_nothing(stack, outcome, "invite_used_up")


@pytest.mark.parametrize("code", ["nainv_" + "x" * 32, "not a code", "nainv_short"])
def test_a_wrong_invite_code_is_a_400_writing_nothing(stack: Stack, code: str) -> None:
    stack = with_settings(stack, signup_policy="invite")
    make_invite(stack, 3)
    answer = stack.client("api").get("/connect", headers={signup.INVITE_HEADER: code})
    assert answer.status_code == 400 and "not a valid invite code" in json_body(answer)["reason"]
    assert "Set-Cookie" not in answer.headers and stored(stack) == []


def test_without_an_invite_a_new_workspace_is_refused_and_nothing_stored(stack: Stack) -> None:
    stack = with_settings(stack, signup_policy="invite")
    code = make_invite(stack, 2)
    assert_refused_storing_nothing(stack, connect(stack, "demo"), "not_invited")
    assert stack.container.workspace.invites.uses_left(signup.invite_key(code)) == 2  # no use taken


def test_under_another_policy_an_invite_is_ignored(stack: Stack) -> None:
    stack = with_settings(stack, signup_policy="open")
    assert connect(stack, "demo", invite="anything at all")["connected"] == "true"


def test_the_operators_make_invite_makes_a_code_that_connects(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tools import invites

    for name, value in {
        "NA_GCP_PROJECT": stack.settings.gcp_project,
        "NA_FIRESTORE_EMULATOR_HOST": stack.settings.firestore_emulator_host,
        "NA_FRONTEND_URL": stack.settings.frontend_url,
    }.items():
        monkeypatch.setenv(name, value)
    assert invites.main(["--uses", "2"]) == 0
    printed = capsys.readouterr().out
    code = printed.split("invite code (shown once): ", 1)[1].split()[0]
    assert f"{stack.settings.frontend_url}#invite={code}" in printed and "RESULT invite uses=2" in printed
    stack = with_settings(stack, signup_policy="invite")
    assert connect(stack, "demo", invite=code)["connected"] == "true"
    assert stack.container.workspace.invites.uses_left(signup.invite_key(code)) == 1


def test_concurrent_connects_take_at_most_the_uses_an_invite_has(stack: Stack) -> None:
    invites = with_settings(stack, signup_policy="invite").container.workspace.invites
    key = signup.invite_key(make_invite(stack, 3))
    start = threading.Barrier(10, timeout=30)

    def use(_: int) -> bool:
        start.wait()
        return invites.use(key)

    with ThreadPoolExecutor(10) as pool:
        taken = list(pool.map(use, range(10)))
    assert taken.count(True) == 3 and invites.uses_left(key) == 0
    invites.give_back(key)  # a connect that stored nothing returns its use
    assert invites.uses_left(key) == 1 and invites.uses_left(signup.invite_key("nainv_unknown")) is None
