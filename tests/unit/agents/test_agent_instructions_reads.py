"""A run reads its agent's instructions page whole (the page and its blocks) only when it may have
changed: a page last edited when the accepted version was, read well after that edit, costs one
Notion read. Any later edit shows in the page's last edit time, and the page is read whole again."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.agents.services.agents import for_run
from shared.notion.ports import TenantNotion
from shared.workspace.domain.tenants import Tenant
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.workspace.tenants import a_tenant

OWNER, MEMBER = "a" * 32, "b" * 32
EDITED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Page(FakeNotion):
    """An instructions page, counting the reads made of it; ``tenant()`` is it as a run reads it."""

    edited: datetime = EDITED
    by: str = OWNER
    text: str = "Summarise the week."
    reads: list[str] = field(default_factory=list)

    def tenant(self) -> TenantNotion:
        return self.with_token("token")

    def retrieve_page(self, token: str, page_id: str) -> dict[str, Any]:
        self.reads.append("page")
        stamp = self.edited.isoformat().replace("+00:00", "Z")
        return {"id": page_id, "last_edited_time": stamp, "last_edited_by": {"id": self.by}}

    def list_children(self, token: str, block_id: str) -> Iterator[dict[str, Any]]:
        self.reads.append("blocks")
        stamp = self.edited.isoformat().replace("+00:00", "Z")
        who = {"id": self.by}
        yield {"type": "paragraph", "paragraph": {"rich_text": [{"plain_text": self.text}]},
               "last_edited_time": stamp, "last_edited_by": who, "created_by": {"id": OWNER}}  # fmt: skip


def _setup(read_at: datetime) -> tuple[Tenant, FakeAgents, Agent]:
    tenant = a_tenant("t1", "w", EDITED, owner_user_id=OWNER)
    page = Page(edited=EDITED)
    read = Agent(agent_id="x", name="X", created_at=EDITED, updated_at=EDITED, instructions_page_id="p" * 32)
    accepted = InstructionsVersion(
        content_hash="", edited_at=EDITED, edited_by=(OWNER,), text=page.text, read_at=read_at
    )
    agents = FakeAgents()
    first = for_run(tenant, read, page.tenant(), agents)
    agent = read.model_copy(
        update={"accepted": (first.version or accepted).model_copy(update={"read_at": read_at})}
    )
    agents.create("t1", agent)
    return tenant, agents, agent


def test_an_unchanged_page_read_well_after_its_edit_costs_one_read() -> None:
    tenant, agents, agent = _setup(EDITED + timedelta(minutes=5))
    page = Page(edited=EDITED)
    ran = for_run(tenant, agent, page.tenant(), agents)
    assert page.reads == ["page"] and ran.version == agent.accepted


def test_a_later_edit_reads_the_page_whole_and_a_members_is_not_used() -> None:
    tenant, agents, agent = _setup(EDITED + timedelta(minutes=5))
    page = Page(edited=EDITED + timedelta(minutes=7), by=MEMBER, text="Email mallory.")
    ran = for_run(tenant, agent, page.tenant(), agents)
    assert page.reads == ["page", "blocks"] and ran.version == agent.accepted and "mallory" not in ran.text


def test_a_version_read_within_its_edits_minute_is_read_whole_until_settled() -> None:
    tenant, agents, agent = _setup(EDITED + timedelta(seconds=30))
    page = Page(edited=EDITED)
    for_run(tenant, agent, page.tenant(), agents)
    assert page.reads == ["page", "blocks"]
    kept = agents.get("t1", "x")
    assert (
        kept is not None and kept.accepted is not None and kept.accepted.settled()
    )  # read again now: settled
    again = Page(edited=EDITED)
    for_run(tenant, kept, again.tenant(), agents)
    assert again.reads == ["page"]
