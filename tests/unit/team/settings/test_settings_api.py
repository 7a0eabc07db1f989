"""GET/PATCH /settings on api: a merge of known fields, validated; bad input changes nothing."""

import pytest

from shared.workspace.domain.tenants import TenantStatus
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.team.settings_api import connect


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    container = FakeContainer()
    return container


DATA_SOURCE = "1f2e3d4c-5b6a-4789-8abc-def012345678"


def test_the_owner_reads_and_changes_settings(fakes: FakeContainer) -> None:
    auth = connect(fakes)
    api = client("api", fakes)
    assert json_body(api.get("/settings", headers=auth))["settings"]["planning_hour"] == 8
    changed = api.patch(
        "/settings", headers=auth, json={"planning_hour": 6, "data_source_ids": [DATA_SOURCE]}
    )
    assert changed.status_code == 200
    tenant = fakes.tenants.get("t1")
    assert (
        tenant is not None
        and tenant.settings.planning_hour == 6
        and tenant.settings.data_source_ids == [DATA_SOURCE]
    )
    assert tenant.settings.timezone == "UTC"  # untouched fields stay
    team = api.patch("/settings", headers=auth, json={"vercel_team_id": "team_Acme42"})
    assert team.status_code == 200 and json_body(team)["settings"]["vercel_team_id"] == "team_Acme42"
    slack = {"slack_channel_id": "C0SANDBOX01", "notification_channels": ["slack"]}
    chosen = api.patch("/settings", headers=auth, json=slack)
    assert (
        chosen.status_code == 200 and json_body(chosen)["settings"] | slack == json_body(chosen)["settings"]
    )
    email = {"notification_email": "ops@acme.example", "notification_channels": ["email", "notion_comment"]}
    chosen = api.patch("/settings", headers=auth, json=email)
    assert (
        chosen.status_code == 200 and json_body(chosen)["settings"] | email == json_body(chosen)["settings"]
    )


def test_bad_settings_get_a_400_that_names_them_and_change_nothing(fakes: FakeContainer) -> None:
    auth = connect(fakes)
    api = client("api", fakes)
    bad: list[tuple[dict[str, object], str]] = [
        ({"planning_hour": 25}, "planning_hour"),
        ({"colour": "red"}, "colour"),
        ({}, ""),
        ({"vercel_team_id": "acme"}, "vercel_team_id"),  # a team's id (team_...), not its name
        ({"slack_channel_id": "#agent"}, "slack_channel_id"),  # the channel's id, not its name
        ({"notification_channels": ["sms"]}, "notification_channels"),  # not a channel we have
        ({"trigger_page_notes": "always"}, "trigger_page_notes"),  # none, start_end or every_step
        ({"notification_channels": ["slack", "email", "slack"]}, "notification_channels"),
        ({"notification_email": "ops at acme"}, "notification_email"),
        ({"notification_email": "Ops <ops@acme.example>"}, "notification_email"),  # the address only
    ]
    for body, named in bad:
        response = api.patch("/settings", headers=auth, json=body)
        assert response.status_code == 400 and named in response.get_data(as_text=True)
    assert (
        api.patch("/settings", headers=auth, data=b"[1]", content_type="application/json").status_code == 400
    )
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.settings.planning_hour == 8


def test_settings_need_a_session_and_a_live_connection(fakes: FakeContainer) -> None:
    assert client("api", fakes).get("/settings").status_code == 401
    auth = connect(fakes, TenantStatus.REVOKED)
    assert client("api", fakes).patch("/settings", headers=auth, json={"planning_hour": 6}).status_code == 409
