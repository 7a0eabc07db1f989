"""Shared by the role matrix's and the red team's starter tests: a workspace of one person of
each role whose owner chose a Tasks data source and keeps a private page beyond it, with a Tasks row,
an agent with a routine, and an owner's run that read the private page and wrote its text."""

from datetime import UTC, datetime
from typing import Any

from shared.agents.domain.agents import Agent
from shared.engine.services import run_log
from shared.platform.topology import Queue
from shared.runs.domain.approval_digests import page_digest
from shared.runs.domain.events import HumanRequested, PlannedStep, RunPlanned, ToolIntent, ToolResult
from shared.runs.domain.plan_task import PlanTask
from shared.workspace.domain.triggers import Schedule
from tests.support.memory.ask_reach import PEOPLE, TASKS
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.fake_container import client
from tests.support.team.role_team import Team, approving_team

PRIVATE_TITLE = "Salaries of the board"
PRIVATE_TEXT = "Grace's salary is 91,000 euros"


def notion_page(notion: FakeNotion, title: str, source: str, text: str, n: int) -> str:
    """A page of ``notion`` under an id of Notion's shape (the api accepts no other), a row of ``source``."""
    made = notion.add_page(title, parent={"data_source_id": source}, text=text)
    pid = f"{n:032x}"
    notion.pages[pid] = notion.pages.pop(made) | {"id": pid}
    notion.children[pid] = notion.children.pop(made)
    return pid


class Workspace:
    """:func:`team` whose owner chose the Tasks data source, lets ``beyond_reach`` approve reads beyond a
    run's reach, keeps a private page (a row of a data source not chosen) and has a Tasks row, an
    agent with a routine, and an owner's run that read the private page and wrote it."""

    def __init__(self, beyond_reach: str) -> None:
        self.people: Team = approving_team(beyond_reach)
        self.beyond_reach = beyond_reach
        c = self.container = self.people.container
        c.settings = c.settings.model_copy(
            update={"api_person_per_min": 6000, "api_burst": 500}
        )  # many tries
        self.private = notion_page(c.fake_notion, PRIVATE_TITLE, PEOPLE, PRIVATE_TEXT, 0xA1)
        self.row = notion_page(c.fake_notion, "Roadmap", TASKS, "Ship in May.", 0xB2)
        now = datetime.now(UTC)
        agent = Agent(
            agent_id="digest",
            name="Digest",
            created_at=now,
            updated_at=now,
            schedules=(Schedule(every="daily", hour=9),),
        )
        assert c.fake_agents.create("t1", agent)
        self.owners_run = "api-owners-read"
        steps = [
            PlannedStep(tool="read_page", args={"page_id": self.private}),
            PlannedStep(tool="append_blocks", args={"page_id": self.private, "text": PRIVATE_TEXT}),
        ]
        goal = f"Tidy {PRIVATE_TITLE}"  # the owner's words: shown to those with the owner's reach only
        planned = RunPlanned(seq=1, at=now, goal=goal, trigger="api", steps=steps, page_id=self.private)
        read = ToolResult(
            seq=2, at=now, step=1, tool="read_page", args=steps[0].args, output={"text": PRIVATE_TEXT}
        )
        lease = now.replace(year=now.year + 1)
        intent = ToolIntent(
            seq=3, at=now, step=2, tool="append_blocks", key="k", lease_until=lease, args=steps[1].args
        )
        deps = c.engine(with_model=False)
        assert run_log.RunLog(deps, "t1", self.owners_run).create([planned, read, intent])
        # its hand-off, waiting on a request that quotes the private text
        self.owners_child = f"{self.owners_run}-h2"
        child = RunPlanned(
            seq=1,
            at=now,
            goal=goal,
            trigger="api",
            steps=steps,
            page_id=self.private,
            parent_run_id=self.owners_run,
        )
        ask = HumanRequested(
            seq=2,
            at=now,
            request_id="r-2",
            step=2,
            purpose="approval",
            prompt=f"Allow this change beyond the run's own pages? It will write {PRIVATE_TEXT}",
            effects=("d" * 40,),
        )
        assert run_log.RunLog(deps, "t1", self.owners_child).create([child, ask])
        # a member's run whose page lies beyond their reach, waiting for its approval (decision 0147)
        self.members_run = "api-members-wait"
        head = RunPlanned(
            seq=1,
            at=now,
            goal="Tidy",
            trigger="api",
            steps=[],
            page_id=self.private,
            member=True,
            page_beyond=True,
        )
        wait = HumanRequested(
            seq=2,
            at=now,
            request_id="reach-2",
            step=0,
            purpose="approval",
            prompt="Allow this run to start from page ...?",
            effects=(page_digest(self.private),),
        )
        assert run_log.RunLog(deps, "t1", self.members_run).create([head, wait])

    def call(self, role: str, kind: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        token = (self.people.sessions if kind == "session" else self.people.keys)[role]
        answer = client("api", self.container).open(
            path, method=method, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        return answer.status_code, answer.get_json(silent=True)

    def queued(self, run_id: str) -> PlanTask:
        plans = [
            t for q, t, _, _ in self.container.queue.tasks if q == Queue.PLAN and isinstance(t, PlanTask)
        ]
        found = [t for t in plans if t.run_id == run_id]
        assert len(found) == 1, found
        return found[0]
