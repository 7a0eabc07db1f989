"""The prompts' version a deployment writes with (``NA_PROMPT_VERSION``, decision 0214): every version
the setting allows has every prompt, the setting picks the files, and the newest is the default."""

import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.engine.agent.context import plan_prompt
from shared.engine.agent.plans import catalogue
from shared.engine.planning.start import start_run
from shared.platform import prompts
from shared.platform.config import Settings, get_settings
from shared.runs.domain.plan_task import PlanTask, Trigger
from tests.support.engine.engine_fakes import make_deps, plan_answer
from tests.support.platform.platform_fakes import FakeModel


@pytest.fixture
def version(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.delenv("NA_PROMPT_VERSION", raising=False)
    get_settings.cache_clear()


def test_every_version_the_setting_allows_has_every_prompt() -> None:
    allowed = typing.get_args(Settings.model_fields["prompt_version"].annotation)
    folder = Path(prompts.__file__).parent
    newest = {p.name.split(".")[0] for p in folder.glob(f"*.{prompts.VERSION}.md")}
    assert prompts.VERSION in allowed and {"plan", "step", "system", "ask"} <= newest
    for each in filter(None, allowed):
        assert {p.name.split(".")[0] for p in folder.glob(f"*.{each}.md")} == newest, each


def test_the_newest_by_default_and_the_setting_picks_an_earlier_layout(version: pytest.MonkeyPatch) -> None:
    tools = catalogue()
    newest = plan_prompt("Sort the inbox", {"trigger": {"kind": "api"}}, [], 10)
    assert prompts.active() == prompts.VERSION == "v3"
    assert newest.index(tools) < newest.index("## Your task")  # the catalogue first: cacheable
    version.setenv("NA_PROMPT_VERSION", "v2")
    get_settings.cache_clear()
    earlier = plan_prompt("Sort the inbox", {"trigger": {"kind": "api"}}, [], 10)
    assert prompts.active() == "v2"
    assert earlier.index("## Your task") < earlier.index(tools)  # the step bound before the catalogue
    moved = set(earlier.splitlines()) ^ set(newest.splitlines())  # the same lines, laid out apart
    assert len(moved) == 2 and all(line.startswith("Make a plan for the goal below") for line in moved)


def test_a_version_without_its_files_is_refused(version: pytest.MonkeyPatch) -> None:
    version.setenv("NA_PROMPT_VERSION", "v9")
    get_settings.cache_clear()
    with pytest.raises(Exception, match="NA_PROMPT_VERSION"):
        get_settings()


def test_a_run_records_the_version_it_was_planned_with(version: pytest.MonkeyPatch) -> None:
    """Each run can be traced to its prompts' text: the setting's version, not the newest."""
    version.setenv("NA_PROMPT_VERSION", "v2")
    get_settings.cache_clear()
    model = FakeModel({"PlanOut": [plan_answer(("finish", {"summary": "ok"}))]})
    deps = make_deps(model=model)
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api")), deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.prompt_version == "v2"
    prompt = model.prompts[0][1]
    assert prompt.index("## Your task") < prompt.index("## Tools")  # written with v2's layout
