"""Shared by the Ask's reach tests (unit, emulator, role matrix): three pages on pricing in a
tenant's index, one a row of a data source the owner chose (within a member's reach) and two beyond
it (a row of another data source holding a salary, a page under a page), and a model that cites
every passage it is given, so only the search can keep a page out of an answer."""

import json
from typing import Any

from shared.memory.ports import Embedder, PassageStore
from shared.memory.services.workspace_index import index_page
from shared.workspace.domain.members import Member, member_id_for
from shared.workspace.domain.tenants import Tenant
from shared.workspace.ports import TenantStore
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

TASKS = "11111111-1111-4111-8111-111111111111"  # chosen by the owner: a member's run reads its rows
PEOPLE = "22222222-2222-4222-8222-222222222222"  # not chosen
CHOSEN = {"data_source_ids": [TASKS]}  # the owner's settings
PAGES = {
    "Roadmap": ({"data_source_id": TASKS}, "The pricing plan: three tiers from May for every team."),
    "Salaries": ({"data_source_id": PEOPLE}, "Pricing of the hires: Grace's salary is 91,000 euros."),
    "Board notes": ({"page_id": "home"}, "The board wants the pricing plan to be cheaper."),
}
EVERY = set(PAGES)
WITHIN = {"Roadmap"}  # what a member's reach holds of them
SALARY = "91,000"  # the line no one beyond the reach may read
CITE_ALL = {
    "answer": "What the pages say of the pricing.",
    "cited": list(range(1, 13)),
}  # each shares "pricing"


def index_pages(tenant_id: str, notion: FakeNotion, embedder: Embedder, store: PassageStore) -> None:
    """:data:`PAGES` added to ``notion`` and indexed for ``tenant_id`` by the index's own code."""
    for title, (parent, text) in PAGES.items():
        pid = notion.add_page(title, parent=parent, text=text)
        index_page(tenant_id, pid, notion.with_token("t"), embedder, store)


def reach_editor(tenants: TenantStore, tenant_id: str = "t1") -> tuple[Tenant, Member]:
    """The tenant with the owner's :data:`CHOSEN` settings and its editor ``user-3``, held to them."""
    from tests.support.team.team import put_member, put_settings

    put_member(tenants, tenant_id, "user-3", "editor")
    put_settings(tenants, tenant_id, CHOSEN)
    tenant = tenants.get(tenant_id)
    assert tenant is not None
    editor = tenant.member(member_id_for("user-3"))
    assert editor is not None and editor.role == "editor"
    return tenant, editor


def citing_model(calls: int = 50) -> FakeModel:
    """A model whose every Ask cites every passage number it could have been given."""
    return FakeModel(script={"AskOut": [CITE_ALL] * calls})


def prompt_context(prompt: str) -> dict[str, Any]:
    """What an Ask's prompt gives the model: its question, earlier turns and passages."""
    found: dict[str, Any] = json.loads(prompt[prompt.rfind("```json\n") + 8 : prompt.rfind("\n```")])
    return found


def prompt_titles(prompt: str) -> set[str]:
    """The titles of the passages an Ask's prompt holds."""
    return {p["title"] for p in prompt_context(prompt)["passages"]}
