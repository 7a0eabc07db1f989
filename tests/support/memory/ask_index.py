"""A workspace index of given pages with Ask's dependencies around it, for Ask's tests."""

from shared.memory.services.workspace_index import index_page
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.memory.memory import FakePassages, WordCountEmbedder
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel

PRICING = "# Decision\n\nWe decided the pricing: three tiers, Starter, Team and Enterprise.\n"


def indexed(model: FakeModel, *texts: tuple[str, str]) -> tuple[Deps, FakeNotion]:
    notion = FakeNotion()
    for title, text in texts:
        notion.add_page(title, text=text)
    store, embedder = FakePassages(), WordCountEmbedder()
    deps = make_deps(model=model, notion=notion)._replace(memory=lambda: (embedder, store))
    for pid in notion.pages:
        index_page("t1", pid, notion.with_token("t"), embedder, store)
    return deps, notion
