"""An agent's connected mail addresses in the builder's read of it (``GET /agents/<id>``'s
``addresses``): the mailboxes connected to that agent, none of another agent's or workspace's."""

from datetime import UTC, datetime

from shared.agents.domain.agents import Agent
from shared.mail.domain.mailboxes import Mailbox
from tests.support.mail.mail_fakes import FakeMailboxes
from tests.support.platform.fake_container import client, json_body
from tests.support.team.role_team import team


def _box(address: str, tenant_id: str, agent_id: str) -> Mailbox:
    return Mailbox(
        address=address,
        tenant_id=tenant_id,
        agent_id=agent_id,
        token_secret="s",
        connected_at=datetime.now(UTC),
    )


def test_an_agents_read_names_its_own_connected_addresses() -> None:
    t, now = team(), datetime.now(UTC)
    for agent_id in ("scribe", "triage"):
        assert t.container.fake_agents.create(
            "t1", Agent(agent_id=agent_id, name=agent_id, created_at=now, updated_at=now)
        )
    boxes = t.container.instance.built["mailboxes"]
    assert isinstance(boxes, FakeMailboxes)
    for box in (_box("scribe@acme.example", "t1", "scribe"), _box("triage@acme.example", "t1", "triage")):
        boxes.put(box)
    boxes.put(_box("scribe@other.example", "t2", "scribe"))  # another workspace's agent of that id
    viewer = {"Authorization": f"Bearer {t.sessions['viewer']}"}
    api = client("api", t.container)
    assert json_body(api.get("/agents/scribe", headers=viewer))["addresses"] == ["scribe@acme.example"]
    assert "addresses" not in json_body(api.get("/agents", headers=viewer))["agents"][0]  # the read alone
