"""A parent run holding a debate or a panel in memory, its children answered by two fake model
families behind the real router: for the patterns' unit tests and the storm's pattern case."""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.platform.domain.model_calls import ModelReply, ModelUsage
from shared.platform.ports import Model
from shared.platform.services.model_routing import Family, FamilyName, RoutedModel
from shared.platform.topology import Queue
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.engine.engine_runs import forged_run, queue
from tests.support.engine.fanout_world import Clock
from tests.support.notion.notion_fakes import FakeNotion

_QUOTED = re.compile(r'<untrusted from="([^"]+)">')


@dataclass
class Speaker(Model):
    """A model family that plans each child as ``finish`` with a summary naming itself, its role and
    whom it quoted (the fenced answers it was shown). A prompt holding one of ``fail_on``'s words gets
    a plan of a tool nobody has (that child fails); one of ``stall_on``'s, a question to a person (that
    child waits, stuck). Records its prompts."""

    name: str
    fail_on: tuple[str, ...] = ()
    stall_on: tuple[str, ...] = ()
    prompts: list[str] = field(default_factory=list)

    def generate[T: BaseModel](self, tier: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        self.prompts.append(prompt)
        usage = ModelUsage(f"{self.name}-model", len(prompt) // 4, 20, 0.002)
        if any(w in prompt for w in self.fail_on):
            broken = [{"tool": "no_such_tool", "args_json": "{}"}]
            return ModelReply(schema.model_validate({"goal": "g", "risk": "low", "steps": broken}), usage)
        if any(w in prompt for w in self.stall_on):
            ask = [
                {
                    "tool": "ask_question",
                    "args_json": json.dumps({"question": "which?"}),
                    "rationale": "unsure",
                },
                {"tool": "finish", "args_json": json.dumps({"summary": "asked"}), "rationale": "done"},
            ]
            return ModelReply(schema.model_validate({"goal": "g", "risk": "low", "steps": ask}), usage)
        role = (
            "judge" if "judge of a debate" in prompt else "lead" if "lead of a panel" in prompt else "member"
        )
        quoted = sorted(set(_QUOTED.findall(prompt)))
        summary = f"{self.name} as {role}; quoted: {', '.join(quoted) or 'none'}"
        steps = [{"tool": "finish", "args_json": json.dumps({"summary": summary}), "rationale": "done"}]
        return ModelReply(schema.model_validate({"goal": "g", "risk": "low", "steps": steps}), usage)


def two_families(**words: Any) -> tuple[RoutedModel, Speaker, Speaker]:
    """The real router over two speakers (gemini routed, no fallback); ``words``: each speaker's
    ``fail_on`` and ``stall_on`` (``gemini_fail_on=("x",)``)."""
    gemini = Speaker("gemini", words.get("gemini_fail_on", ()), words.get("gemini_stall_on", ()))
    claude = Speaker("claude", words.get("claude_fail_on", ()), words.get("claude_stall_on", ()))
    families: dict[FamilyName, Family] = {
        "gemini": Family("gemini", lambda: gemini, {}),
        "claude": Family("claude", lambda: claude, {}),
    }
    return RoutedModel(families, {}, fallback=False), gemini, claude


def world(
    pattern: tuple[str, dict[str, Any]], *, agents: tuple[str, ...] = ("a", "judge", "lead"), **planned: Any
) -> tuple[Deps, Speaker, Speaker]:
    """Run r1 of agent ``a``: ``pattern`` at step 1, ``settle`` at step 2, then finish; its step 1
    enqueued. ``planned``: more of its ``run_planned``; ``words``: the speakers' (``two_families``);
    ``store``: a run store to use instead of the fake."""
    words, store = planned.pop("words", {}), planned.pop("store", None)
    notion = FakeNotion()
    trigger = notion.add_page("Question", {"type": "page_id", "page_id": "home"})
    deps = forged_run(notion, trigger, pattern, ("settle", {"pattern_step": 1}), agent_id="a", **planned)
    book = FakeAgents()
    now = datetime(2026, 11, 26, tzinfo=UTC)
    for agent_id in agents:
        told = InstructionsVersion(content_hash="0" * 16, text=f"You are agent {agent_id}.")
        book.create(
            "t1",
            Agent(agent_id=agent_id, name=agent_id.title(), created_at=now, updated_at=now, accepted=told),
        )
    if store is not None:  # the run moved to ``store`` (the Firestore emulator's), as it was planned
        assert store.create_run("t1", "r1", deps.store.list_events("t1", "r1"))
        deps = deps._replace(store=store)
    model, gemini, claude = two_families(**words)
    queue(deps).enqueue(Queue.EXECUTE_STEP, StepTask(tenant_id="t1", run_id="r1", step=1), "step:t1:r1:1:1")
    return deps._replace(model=model, agents_source=lambda: book, clock=Clock()), gemini, claude
