"""The engine's bundle (``Container.engine``) builds the model and the Notion clients on first use:
a task that calls no model and no Notion (a duplicate, a stale step, a GitHub step) builds neither."""

from typing import Any

import pytest

from shared.bootstrap import Container
from shared.bootstrap.notion import Notion
from shared.bootstrap.platform import Platform
from shared.platform.config import Settings
from tests.support.notion.notion_fakes import FakeNotion, FakeNotionOAuth
from tests.support.platform.platform_fakes import FakeModel, FakeQueue, FakeSecrets
from tests.support.runs.run_store import FakeRunStore
from tests.support.workspace.workspace_fakes import FakeTenantStore


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []

    def builder(name: str, value: Any) -> Any:
        def build(part: object) -> Any:
            names.append(name)
            return value

        return build

    # Each port's builder, as its declaration holds it.
    monkeypatch.setattr(Platform.model, "build", builder("model", FakeModel()))
    monkeypatch.setattr(Notion.notion, "build", builder("notion", FakeNotion()))
    monkeypatch.setattr(Notion.notion_oauth, "build", builder("notion_oauth", FakeNotionOAuth()))
    return names


def _container() -> Container:
    ports = {
        "store": FakeRunStore(),
        "queue": FakeQueue(),
        "secrets": FakeSecrets(),
        "tenants": FakeTenantStore(),
    }
    return Container(Settings(), **ports)


def test_the_bundle_builds_no_model_and_no_notion_client(built: list[str]) -> None:
    _container().engine()
    assert built == []


def test_the_model_is_built_once_at_its_first_use(built: list[str]) -> None:
    deps = _container().engine()
    model = deps.need_model()
    assert deps.need_model() is model
    assert built == ["model"]


def test_notion_is_built_at_the_first_tenant_that_asks(built: list[str]) -> None:
    deps = _container().engine()
    deps.need_notion("t1")
    deps.need_notion("t2")
    assert sorted(built) == ["notion", "notion_oauth"]


def test_the_deploy_bundle_builds_its_model_on_first_use(built: list[str]) -> None:
    deps = _container().deploy_engine()
    assert built == []
    deps.need_model()
    assert built == ["model"]


def test_a_bundle_without_the_model_says_so(built: list[str]) -> None:
    deps = _container().engine(with_model=False)
    with pytest.raises(RuntimeError, match="without a model"):
        deps.need_model()
    assert built == []
