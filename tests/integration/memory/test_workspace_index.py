"""The workspace index on the real Firestore emulator with the local embedding model: a page indexed
once (unchanged passages never embedded again), edits and removals followed, the nightly reconcile,
a disconnect, fused retrieval with citations, and no query that reaches another tenant's passages."""

from typing import Any

import pytest

from shared.memory.adapters.firestore_passages import FirestorePassages
from shared.memory.adapters.local_embedder import LocalEmbedder
from shared.memory.services.workspace_index import forget_workspace, index_page, reconcile
from shared.memory.services.workspace_search import search
from shared.notion.adapters.notion import NotionRequestRefused
from shared.platform.domain.embeddings import Embedded, Task
from tests.support.notion.notion_fakes import FakeNotion

pytestmark = pytest.mark.integration


class Counting(LocalEmbedder):
    """The local model, counting the texts it was asked to embed."""

    def __init__(self) -> None:
        self.texts = 0

    def embed(self, texts: list[str], task: Task) -> Embedded:
        self.texts += len(texts) if task == "document" else 0
        return super().embed(texts, task)


PRICING = """# Decision

We decided the pricing: three tiers, Starter at 9 dollars, Team at 29 dollars, Enterprise on request.

# Why

Customers asked for a cheap entry plan. Competitors charge per seat; we charge per workspace.
"""
HIRING = "# Hiring\n\nWe are hiring two backend engineers in Berlin this quarter.\n"


def notion_with(pages: dict[str, str]) -> tuple[FakeNotion, dict[str, str]]:
    notion = FakeNotion()
    ids = {}
    for title, text in pages.items():
        pid = notion.add_page(title, text=text)
        notion.pages[pid]["last_edited_time"] = "2026-11-01T00:00:00.000Z"
        ids[title] = pid
    return notion, ids


def edit(notion: FakeNotion, page_id: str, text: str, when: str) -> None:
    notion.children[page_id] = [
        {"type": "paragraph", "paragraph": {"rich_text": [{"plain_text": line}]}}
        for line in text.splitlines()
        if line
    ]
    notion.pages[page_id]["last_edited_time"] = when


def test_index_search_update_and_forget(firestore_db: Any) -> None:
    store, model = FirestorePassages(firestore_db), Counting()
    notion, ids = notion_with({"Pricing": PRICING, "Hiring": HIRING})
    tenant = notion.with_token("t")
    for pid in ids.values():
        index_page("t1", pid, tenant, model, store)
    first = model.texts
    assert first >= 2
    found = search("t1", "what did we decide about pricing?", model, store).results
    assert found[0].title == "Pricing" and "three tiers" in found[0].text
    assert found[0].url == f"https://n/{ids['Pricing']}" and found[0].heading.startswith("Pricing")

    # Unchanged: nothing read past the page, nothing embedded.
    again = [index_page("t1", pid, tenant, model, store) for pid in ids.values()]
    assert model.texts == first and not any(d.read or d.embedded for d in again)

    # One paragraph changed: only its passage is embedded again; the old one leaves.
    edit(notion, ids["Pricing"], PRICING.replace("9 dollars", "12 dollars"), "2026-11-02T00:00:00.000Z")
    done = index_page("t1", ids["Pricing"], tenant, model, store)
    assert done.read and done.embedded >= 1 and done.removed == done.embedded and done.kept >= 0
    texts = " ".join(r.text for r in search("t1", "Starter tier price", model, store).results)
    assert "12 dollars" in texts and "9 dollars" not in texts

    # Gone from Notion (deleted, or no longer shared): it leaves the index.
    notion.fail["retrieve_page"] = [NotionRequestRefused(404, "object_not_found", "Could not find page")]
    assert index_page("t1", ids["Hiring"], tenant, model, store).removed >= 1
    assert all(r.title != "Hiring" for r in search("t1", "hiring engineers Berlin", model, store).results)


def test_the_nightly_reconcile_and_a_disconnect(firestore_db: Any) -> None:
    store, model = FirestorePassages(firestore_db), Counting()
    notion, ids = notion_with({"Pricing": PRICING, "Hiring": HIRING})
    tenant = notion.with_token("t")
    totals = reconcile("t1", tenant, model, store, list(ids.values()))
    assert totals["pages"] == 2 and totals["embedded"] >= 2
    notion.pages[ids["Hiring"]]["in_trash"] = True
    totals = reconcile("t1", tenant, model, store, [ids["Pricing"]])  # no longer chosen, and trashed
    assert totals["embedded"] == 0 and totals["dropped"] == 1
    assert {p.title for p in store.indexed_pages("t1")} == {"Pricing"}
    assert forget_workspace("t1", store) >= 3
    assert list(store.indexed_pages("t1")) == [] and store.stats("t1") == (0, 0)
    assert search("t1", "pricing", model, store).results == []


def test_no_query_sees_another_tenants_passages(firestore_db: Any) -> None:
    store, model = FirestorePassages(firestore_db), LocalEmbedder()
    mine, my_ids = notion_with({"Pricing": PRICING})
    theirs, their_ids = notion_with(
        {"Secret plan": "# Secret plan\n\nAcquire the competitor in March; pricing war.\n"}
    )
    index_page("t1", my_ids["Pricing"], mine.with_token("a"), model, store)
    index_page("t2", their_ids["Secret plan"], theirs.with_token("b"), model, store)
    for query in ("pricing", "acquire the competitor", "secret plan March", "dollars"):
        assert {r.title for r in search("t1", query, model, store).results} <= {"Pricing"}
        assert {r.title for r in search("t2", query, model, store).results} <= {"Secret plan"}


def test_a_reach_keeps_the_search_within_its_scopes(firestore_db: Any) -> None:
    store, model = FirestorePassages(firestore_db), LocalEmbedder()
    notion, ids = notion_with({"Pricing": PRICING, "Hiring": HIRING})
    for pid in ids.values():
        index_page("t1", pid, notion.with_token("t"), model, store)
    only = [f"page:{ids['Hiring'].replace('-', '')}"]
    assert {r.title for r in search("t1", "pricing tiers", model, store, scopes=only).results} == {"Hiring"}
    assert search("t1", "pricing tiers", model, store, scopes=[]).results == []


def test_an_ask_conversation_keeps_its_latest_turns_per_person_and_tenant_and_goes_on_disconnect(
    firestore_db: Any,
) -> None:
    store = FirestorePassages(firestore_db)
    for n in range(6):
        store.add_turn("t1", "m_ada", "conv-0001", (f"q{n}", f"a{n}"), 4)
    assert store.conversation("t1", "m_ada", "conv-0001") == [(f"q{n}", f"a{n}") for n in range(2, 6)]
    assert store.conversation("t2", "m_ada", "conv-0001") is None  # the same id in another tenant: none
    assert store.conversation("t1", "m_grace", "conv-0001") is None  # another person's: none of hers
    store.add_turn("t1", "m_grace", "conv-0001", ("hers", "an answer"), 4)  # her own, apart
    assert store.conversation("t1", "m_grace", "conv-0001") == [("hers", "an answer")]
    assert store.conversation("t1", "m_ada", "conv-0001") == [(f"q{n}", f"a{n}") for n in range(2, 6)]
    forget_workspace("t1", store)
    assert store.conversation("t1", "m_ada", "conv-0001") is None


def test_an_ask_never_gets_nor_cites_a_passage_beyond_the_askers_reach(firestore_db: Any) -> None:
    """The console's Ask on the emulator with the local model: an editor's search is held to the data
    sources the owner chose, in Firestore's query, so the salary passage of a People row is neither in
    her prompt nor among her answer's sources, even when the model cites every number it can; the
    owner's search reaches every passage."""
    from shared.memory.services.ask import ask_in_conversation
    from tests.support.engine.engine_fakes import make_deps
    from tests.support.memory.ask_reach import (
        EVERY,
        SALARY,
        WITHIN,
        citing_model,
        index_pages,
        prompt_titles,
        reach_editor,
    )

    store, model = FirestorePassages(firestore_db), LocalEmbedder()
    notion, llm = FakeNotion(), citing_model()
    index_pages("t1", notion, model, store)
    deps = make_deps(model=llm, notion=notion)._replace(memory=lambda: (model, store))
    tenant, editor = reach_editor(deps.need_tenants())

    got, _ = ask_in_conversation(deps, tenant, editor, "What is the pricing plan and the salary?", None)
    assert prompt_titles(llm.prompts[-1][1]) == WITHIN
    assert {c["title"] for c in got.cited} == WITHIN and SALARY not in llm.prompts[-1][1]
    got, _ = ask_in_conversation(deps, tenant, tenant.owner_member(), "What is the pricing plan?", None)
    assert prompt_titles(llm.prompts[-1][1]) == EVERY and SALARY in llm.prompts[-1][1]
    assert {c["title"] for c in got.cited} == EVERY
