"""The sync in the storm (issue 69), on the Firestore emulator, the Notion sandbox and each tool's
sandbox over HTTP: Linear's and GitLab's webhook deliveries and every mirror task (Motion's polling
scans too) delivered twice, shuffled, and killed mid-task after an adapter call returned. After the
next scheduled scan both sides agree, with no issue or page made twice and no edit lost."""

import random
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from local.gitlab_sandbox.app import PROJECT_PATH, TOKEN
from local.linear_sandbox.app import KEY, TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID
from local.notion_sandbox import SandboxServer
from shared.sync.domain.sync_task import SyncTask
from shared.sync.services.connect import connect_gitlab, connect_linear, set_people
from shared.sync.services.intake import ingest_gitlab, ingest_linear
from shared.sync.services.mirror import run_gitlab_task, run_motion_task, run_sync_task
from shared.sync.services.motion import connect_motion
from tests.reliability.conftest import TOTALS
from tests.support.sync.gitlab_stack import gitlab_stack
from tests.support.sync.motion_stack import motion_stack
from tests.support.sync.sync_stack import IDS, sync_stack, sync_tasks
from tests.support.sync.sync_storm import Killer, storm

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
PEOPLE = {"ada@demo.example": IDS["owner"], "grace@demo.example": IDS["teammate"]}
IN_NOTION, IN_TOOL = ("task_report", "task_invoices"), ("task_release",)
Run = Callable[[SyncTask, Any], dict[str, Any]]


@pytest.fixture(scope="module")
def notion_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def title(page: dict[str, Any]) -> str:
    return "".join(t["plain_text"] for t in page["properties"]["Name"]["title"])


class Scenario:
    """One tool's stack under the storm: ``titles`` reads the tool's title of an item by its id."""

    def __init__(
        self, s: Any, tool: str, run: Run, ingest: Any, outbox: list[Any] | None, rng: random.Random
    ) -> None:
        self.s, self.run, self.ingest, self.outbox, self.rng = s, run, ingest, outbox, rng
        self.killer, self.tool = Killer(), tool
        notion = self.killer.wrap(s.notion)
        self.mirroring = s.mirroring._replace(
            api=self.killer.wrap(s.mirroring.api), notion_for=lambda _t: notion
        )
        intake = getattr(s, "intake", None)
        if intake is not None:
            self.intake = intake._replace(
                queue=self.killer.wrap(intake.queue), events=self.killer.wrap(intake.events)
            )
        self.counts: Counter[str] = Counter()

    def scan(self) -> SyncTask:
        since = self.s.clock[0] - timedelta(hours=1)
        return SyncTask(tenant_id=self.s.tenant_id, kind="scan", since=since, tool=self.tool)

    def stormed(self, extra: list[SyncTask]) -> None:
        """Deliveries (each a task) then the queued issue tasks and ``extra``, all in the storm."""
        if self.outbox is not None:
            deliveries = list(self.outbox)
            self.outbox.clear()
            self.counts += storm(
                [
                    partial(self.ingest, self.s.tenant_id, body, headers, self.intake)
                    for _, headers, body in deliveries
                ],
                self.killer,
                self.rng,
            )
        tasks = [t for t in sync_tasks(self.s.queue) if t.kind == "issue"] + extra
        self.s.queue.tasks.clear()
        self.s.queue.names.clear()
        self.counts += storm([partial(self.run, t, self.mirroring) for t in tasks], self.killer, self.rng)

    def settle(self) -> None:
        """The next scheduled scan (and the issue tasks Linear's or GitLab's deliveries queue), calm."""
        for _ in range(3):
            if self.outbox is not None:
                for _, headers, body in list(self.outbox):
                    self.ingest(self.s.tenant_id, body, headers, self.s.intake)
                self.outbox.clear()
            for task in [t for t in sync_tasks(self.s.queue) if t.kind == "issue"]:
                self.run(task, self.s.mirroring)
            self.s.queue.tasks.clear()
            self.s.queue.names.clear()
            if self.run(self.scan(), self.s.mirroring)["writes"] == 0 and not self.outbox:
                return


def judged(sc: Scenario, items: dict[str, str], edits: dict[str, str], made: str) -> dict[str, int]:
    """The storm's counts: ``duplicated_effects`` (items or pages sharing a title), ``lost`` (an edit
    missing on either side, the tool's item without its one page); asserts every link's two titles agree."""
    s = sc.s
    pages = list(s.notion.query_data_source(IDS["tasks_data_source"]))
    page_titles = Counter(title(p) for p in pages)
    item_titles = Counter(items.values())
    duplicated = sum(n - 1 for n in page_titles.values()) + sum(n - 1 for n in item_titles.values())
    lost = sum(page_titles[t] == 0 or item_titles[t] == 0 for t in [*edits.values(), made])
    for page in pages:
        link = s.store.link(s.tenant_id, page["id"].replace("-", ""))
        assert link is not None, f"a page never linked: {title(page)}"
        assert items[str(link.issue_id)] == title(page), (title(page), items[str(link.issue_id)])
    return {"lost": lost, "duplicated_effects": duplicated}


def edit_both_sides(
    sc: Scenario, item_of: Callable[[str], str], edit: Callable[[str, str], None]
) -> dict[str, str]:
    """Titles changed in Notion (``IN_NOTION``) and in the tool (``IN_TOOL``): the new titles by page."""
    s, edits = sc.s, {}
    for name in IN_NOTION:
        edits[name] = f"{name} edited in Notion"
        s.notion.update_page_properties(IDS[name], {"Name": {"title": [{"text": {"content": edits[name]}}]}})
    for name in IN_TOOL:
        edits[name] = f"{name} edited in {sc.tool}"
        edit(item_of(name), edits[name])
    return edits


def stormed_tool(sc: Scenario, items: Callable[[], dict[str, str]], edit: Any, add: Any) -> dict[str, int]:
    """The first mirror, then edits on both sides and an item made in the tool, each stormed; settled."""
    s = sc.s
    sc.stormed([sc.scan()])
    sc.stormed([])  # the deliveries of our own creates
    s.clock[0] += timedelta(seconds=10)  # a later coalescing window than theirs

    def item_of(name: str) -> str:
        link = s.store.link(s.tenant_id, IDS[name].replace("-", ""))
        assert link is not None
        return str(link.issue_id)

    edits = edit_both_sides(sc, item_of, edit)
    made = f"made in {sc.tool} during the storm"
    add(made)
    sc.stormed([sc.scan()])
    sc.settle()
    result = {"runs": sc.counts["runs"], "stuck": sc.counts["stuck"], "failed": 0}
    result |= judged(sc, items(), edits, made)
    TOTALS.update(result)
    assert sc.killer.kills > 0  # the storm did kill tasks mid-way
    return result


def sound(runs: int) -> dict[str, int]:
    return {"runs": runs, "lost": 0, "duplicated_effects": 0, "stuck": 0, "failed": 0}


def test_linear_mirror_and_webhooks_in_the_storm(
    firestore_db: Any, notion_sandbox: SandboxServer, tmp_path: Path
) -> None:
    with sync_stack(firestore_db, notion_sandbox.url, tmp_path) as s:
        connect_linear(s.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, s.linking)
        set_people(s.tenant_id, {"people": PEOPLE}, s.store)
        sc = Scenario(s, "linear", run_sync_task, ingest_linear, s.linear.outbox, random.Random(69))
        result = stormed_tool(
            sc,
            lambda: {i: v["title"] for i, v in s.linear.issues.items() if not v.get("archivedAt")},
            lambda item, new: s.linear.edit(item, title=new),
            s.linear.add_issue,
        )
    assert result == sound(result["runs"]), result


def test_gitlab_mirror_and_webhooks_in_the_storm(
    firestore_db: Any, notion_sandbox: SandboxServer, tmp_path: Path
) -> None:
    with gitlab_stack(firestore_db, notion_sandbox.url, tmp_path) as s:
        config = {"access_token": TOKEN, "project": PROJECT_PATH, "base_url": s.url}
        connect_gitlab(s.tenant_id, config, s.linking)
        set_people(s.tenant_id, {"people": PEOPLE}, s.store, "gitlab")
        sc = Scenario(s, "gitlab", run_gitlab_task, ingest_gitlab, s.gitlab.outbox, random.Random(70))
        result = stormed_tool(
            sc,
            lambda: {str(i): v["title"] for i, v in s.gitlab.issues.items()},
            lambda item, new: s.gitlab.edit(int(item), title=new),
            s.gitlab.add_issue,
        )
    assert result == sound(result["runs"]), result


def test_motion_mirror_and_polling_in_the_storm(
    firestore_db: Any, notion_sandbox: SandboxServer, tmp_path: Path
) -> None:
    with motion_stack(firestore_db, notion_sandbox.url, tmp_path) as s:
        connect_motion(s.tenant_id, {"api_key": MOTION_KEY, "workspace_id": WORKSPACE_ID}, s.linking)
        set_people(s.tenant_id, {"people": PEOPLE}, s.store, "motion")
        s.queue.tasks.clear()
        sc = Scenario(s, "motion", run_motion_task, None, None, random.Random(71))
        result = stormed_tool(
            sc,
            lambda: {i: v["name"] for i, v in s.motion.tasks.items()},
            lambda item, new: s.motion.edit(item, name=new),
            s.motion.add_task,
        )
    assert result == sound(result["runs"]), result
