"""``POST /workspace/erase``'s confirmation: the workspace's name typed exactly, else a 400 naming
``confirm`` with its reason, and nothing erased (the erasure itself: tests/e2e/test_workspace_data.py)."""

from typing import Any

from shared.notion.services.erasure import confirmation_problem
from shared.workspace.domain.tenants import Tenant
from tests.support.platform.fake_container import client
from tests.support.team.role_team import team
from tests.support.workspace.tenants import a_tenant


def _erase(body: dict[str, Any], role: str = "owner") -> tuple[int, Any, Any]:
    people = team()
    answer = client("api", people.container).post(
        "/workspace/erase", json=body, headers={"Authorization": f"Bearer {people.sessions[role]}"}
    )
    return answer.status_code, answer.get_json(silent=True), people.container


def test_only_the_workspace_s_name_confirms() -> None:
    named = _tenant("Acme")
    assert confirmation_problem(named, "Acme") == "" and confirmation_problem(named, "  Acme ") == ""
    assert "'Acme'" in confirmation_problem(named, "acme")
    assert "'ws-9'" in confirmation_problem(_tenant(""), "Acme")  # no name: its id


def test_spaces_around_the_name_do_not_count_in_what_is_typed_nor_in_the_name() -> None:
    """A name Notion gives with spaces around it (or doubled inside) is confirmed by typing
    it as a person reads it; the reason says so. Letters and case still count."""
    spaced = _tenant("  Acme   Labs ")
    for typed in ("Acme Labs", " Acme Labs  ", "  Acme   Labs ", "Acme  Labs"):
        assert confirmation_problem(spaced, typed) == "", typed
    for typed in ("AcmeLabs", "acme labs", "Acme Lab"):
        assert "'Acme Labs'" in confirmation_problem(spaced, typed), typed
    assert "spaces around it do not count" in confirmation_problem(spaced, "x")
    assert "'ws-9'" in confirmation_problem(_tenant("   "), "x")  # a name of spaces only: its id


def test_a_wrong_or_missing_confirmation_is_refused_and_nothing_is_erased() -> None:
    status, body, c = _erase({"confirm": "Globex"})
    assert status == 400 and body["fields"] == [{"field": "confirm"}], body
    assert "type the workspace's name, 'ws-1'" in body["reason"]
    assert c.tenants.get("t1") is not None
    status, body, _ = _erase({})
    assert status == 400 and "confirm" in str(body), body
    status, body, _ = _erase({"confirm": "ws-1", "also": 1})
    assert status == 400, body


def test_an_admin_may_not_erase() -> None:
    status, body, c = _erase({"confirm": "ws-1"}, role="admin")
    assert status == 403 and "your role" in body["reason"], body
    assert c.tenants.get("t1") is not None


def _tenant(name: str) -> Tenant:
    return a_tenant("t9", "ws-9", workspace_name=name)
