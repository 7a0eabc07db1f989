"""A workspace for the undo's api tests and the red team's undo attacks: one person of each role
(tests.support.team.role_team), a Tasks row within members' reach and a private page beyond it, and
run ``RUN`` that set both pages' Status (:mod:`tests.support.undo.written_runs`)."""

from typing import Any

from shared.platform.topology import Queue
from shared.runs.domain.step_task import StepTask
from tests.support.memory.ask_reach import PEOPLE, TASKS
from tests.support.platform.fake_container import client
from tests.support.team.role_team import Team, approving_team
from tests.support.team.starters import notion_page
from tests.support.undo.written_runs import store_written

RUN = "api-wrote"


class World:
    """The workspace; ``post`` asks an undo as a role's session."""

    def __init__(self) -> None:
        self.team: Team = approving_team("owner")  # only the owner reads beyond a run's reach
        c = self.c = self.team.container
        self.row = notion_page(c.fake_notion, "Roadmap", TASKS, "", 0xB2)
        self.private = notion_page(c.fake_notion, "Salaries", PEOPLE, "", 0xA1)
        for page in (self.row, self.private):
            c.fake_notion.pages[page]["properties"]["Status"] = {"type": "status", "status": {"name": "Todo"}}
        self.deps = c.engine(with_model=False)
        notion = c.fake_notion.with_token("access-0")
        store_written(self.deps, RUN, notion, self.row, self.private)

    def post(self, role: str, run_id: str = RUN, body: Any = None, kind: str = "session") -> tuple[int, Any]:
        token = (self.team.sessions if kind == "session" else self.team.keys)[role]
        answer = client("api", self.c).post(
            f"/runs/{run_id}/undo", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        return answer.status_code, answer.get_json(silent=True)

    def runs(self) -> set[str]:
        return {run_id for _, run_id in self.c.store.runs}

    def steps_queued(self) -> list[str]:
        return [
            t.run_id
            for q, t, _, _ in self.c.queue.tasks
            if q == Queue.EXECUTE_STEP and isinstance(t, StepTask)
        ]
