"""An agent's Slack channels: a mention in a channel an agent holds starts that agent's run (its own
instructions, reach and budget), in any other channel the default agent's, and a paused agent's
channel the default's too. The builder's api keeps the channels each once, refuses one that is not a
channel's id in its words with nothing stored, and one channel held by two agents with a 409."""

from datetime import UTC, datetime

from shared.agents.domain.agents import Agent
from shared.agents.domain.slack_channels import channel_agent
from shared.runs.domain.plan_task import PlanTask
from tests.support.platform.fake_container import client, json_body
from tests.support.slack.slack_events import CHANNEL, SECRET, TEAM, mention, signed
from tests.support.slack.slack_presses import slack_fakes
from tests.support.team.role_team import Team, team

NOW = datetime.now(UTC)


def _agent(agent_id: str, channels: tuple[str, ...], paused: bool = False) -> Agent:
    made = dict(agent_id=agent_id, name=agent_id.title(), created_at=NOW, updated_at=NOW)
    return Agent.model_validate(made | {"slack_channels": channels, "paused": paused})


def _started(channel: str, *agents: Agent) -> PlanTask:
    fakes = slack_fakes()
    install = fakes.slack_installs.get("T00000001")
    assert install is not None
    fakes.slack_installs.put(install.model_copy(update={"team_id": TEAM}))  # the events' team
    fakes.secrets.values["slack-signing-secret"] = SECRET
    for agent in agents:
        assert fakes.fake_agents.create("t1", agent)
    event = mention("UADA00001", "<@UBOT00001> draft the note", event_id=f"Ev{channel}", channel=channel)
    answer = client("api", fakes).post("/slack/events", data=(s := signed(event))[0], headers=s[1]).get_json()
    assert answer["result"] == "started", answer
    [(_, task, _, _)] = fakes.queue.tasks
    assert isinstance(task, PlanTask)
    return task


def test_a_mention_in_an_agents_channel_starts_that_agent_and_elsewhere_the_default() -> None:
    assert _started(CHANNEL, _agent("scribe", (CHANNEL,))).agent_id == "scribe"
    assert _started("C0ELSEWHERE", _agent("scribe", (CHANNEL,))).agent_id == "default"
    assert _started(CHANNEL, _agent("scribe", (CHANNEL,), paused=True)).agent_id == "default"


def test_channel_agent_names_none_for_no_channel() -> None:
    assert channel_agent([_agent("scribe", (CHANNEL,))], "") is None


def _made() -> tuple[Team, dict[str, str]]:
    t = team()
    for agent in (_agent("scribe", ()), _agent("triage", ("C0TRIAGE01",))):
        assert t.container.fake_agents.create("t1", agent)
    return t, {"Authorization": f"Bearer {t.sessions['admin']}"}


def test_the_builder_keeps_an_agents_channels_each_once() -> None:
    t, admin = _made()
    api = client("api", t.container)
    saved = api.patch(
        "/agents/scribe", json={"slack_channels": ["C0SCRIBE01", "G0PRIVATE1", "C0SCRIBE01"]}, headers=admin
    )
    assert json_body(saved)["slack_channels"] == ["C0SCRIBE01", "G0PRIVATE1"]
    assert json_body(api.get("/agents/scribe", headers=admin))["slack_channels"] == [
        "C0SCRIBE01",
        "G0PRIVATE1",
    ]


def test_a_channel_that_is_no_channels_id_or_another_agents_is_refused_with_nothing_stored() -> None:
    t, admin = _made()
    api = client("api", t.container)
    bad = api.patch("/agents/scribe", json={"slack_channels": ["#general"]}, headers=admin)
    assert bad.status_code == 400
    said = json_body(bad)
    assert said["fields"][0]["field"] == "slack_channels.0"
    assert "Slack channels, channel 1: is not a Slack channel: its link" in said["reason"]
    taken = api.patch("/agents/scribe", json={"slack_channels": ["C0TRIAGE01"]}, headers=admin)
    assert taken.status_code == 409
    assert (
        "Slack channels, channel 1: Triage is started from that channel already" in json_body(taken)["reason"]
    )
    assert "slack_channels" not in json_body(api.get("/agents/scribe", headers=admin))  # none stored
    assert (
        api.patch("/agents/triage", json={"slack_channels": ["C0TRIAGE01"]}, headers=admin).status_code == 200
    )
