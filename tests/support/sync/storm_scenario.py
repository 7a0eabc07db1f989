"""The sync's storm scenario, shared by the reliability storm and the test that shows it fails
on a broken create: one tool's stack with its adapters wrapped by a :class:`Killer`, every delivery and
mirror task stormed (:func:`storm`), then settled calm and judged: items or pages made twice, edits lost."""

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from shared.sync.domain.mapping import SYNC_KEY
from shared.sync.domain.sync_task import SyncTask
from tests.support.sync.sync_stack import IDS, sync_tasks
from tests.support.sync.sync_storm import Killer, storm

PEOPLE = {"ada@demo.example": IDS["owner"], "grace@demo.example": IDS["teammate"]}
IN_NOTION, IN_TOOL = ("task_report", "task_invoices"), ("task_release",)
Run = Callable[[SyncTask, Any], dict[str, Any]]


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


def without_its_sync_id(s: Any) -> None:
    """The stack's Tasks data source without its Sync ID column (a data source the owner chose)."""
    s.notion.update_data_source(IDS["tasks_data_source"], {SYNC_KEY: None})
    assert SYNC_KEY not in s.notion.retrieve_data_source(IDS["tasks_data_source"])["properties"]


def duplicates(page_titles: Counter[str], item_titles: Counter[str]) -> int:
    """Pages, and the tool's items, made twice: beyond the first of each title."""
    return sum(n - 1 for n in page_titles.values()) + sum(n - 1 for n in item_titles.values())


def mirrored_duplicates(sc: Scenario, items: dict[str, str]) -> int:
    """The scenario's pages and the tool's ``items`` (id → title) made twice, as :func:`judged` counts."""
    pages = sc.s.notion.query_data_source(IDS["tasks_data_source"])
    return duplicates(Counter(title(p) for p in pages), Counter(items.values()))


def judged(sc: Scenario, items: dict[str, str], edits: dict[str, str], made: str) -> dict[str, int]:
    """The storm's counts: ``duplicated_effects`` (items or pages sharing a title), ``lost`` (an edit
    missing on either side, the tool's item without its one page); asserts every link's two titles agree."""
    s = sc.s
    pages = list(s.notion.query_data_source(IDS["tasks_data_source"]))
    page_titles = Counter(title(p) for p in pages)
    item_titles = Counter(items.values())
    duplicated = duplicates(page_titles, item_titles)
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
    return result | judged(sc, items(), edits, made)
