"""A model's GitHub/Vercel arguments that GitHub or Vercel would refuse (a ``./`` path, a ref with a
space) are, on the whole engine path with the real adapters and the code sandbox, a model-fixable
error the next attempt repairs: nothing of them reaches the sandbox, nothing escapes ``run_step``,
and the run completes with the repaired change."""

import json
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.runs.domain.events import ErrorKind, ErrorRecorded, RunStatus
from shared.tools.base import idempotency_key
from shared.tools.code.pull_request import branch_for
from tests.engine_fakes import Answer, FakeModel
from tests.support.engine.deploy_steps import DRAFT, FINISH, PULL, Pair, admin, plan, sandbox, start

pytestmark = pytest.mark.integration
__all__ = ["admin", "sandbox"]  # the code sandbox's fixtures, as test_deploy_steps sets them up


def created(admin: Admin, service: str, path: str) -> int:
    """The POST requests to ``service`` whose path ends with ``path`` (the sandbox logs no bodies)."""
    return sum(
        r["service"] == service and r["method"] == "POST" and r["path"].endswith(path)
        for r in admin.requests()
    )


def errors(pair: Pair) -> list[str]:
    return [
        e.message
        for e in pair.step.store.list_events("t1", "r1")
        if isinstance(e, ErrorRecorded) and e.error == ErrorKind.MODEL_FIXABLE
    ]


def test_a_dot_slash_path_is_repaired_and_the_pull_request_holds_the_file_at_the_root(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    other = (PULL[0], PULL[1] | {"repository": "acme/other"})  # refused by the tool: a repair follows
    readme = {"path": "./LAUNCH.md", "content": "Launch\n"}  # a new file (README.md exists: a patch)
    fixes: list[Answer] = [
        {"args_json": json.dumps(PULL[1] | {"files": [readme]})},
        {"args_json": json.dumps(PULL[1] | {"files": [readme | {"path": "LAUNCH.md"}]})},
    ]
    model = FakeModel({"PlanOut": [plan(DRAFT, other, FINISH)], "ArgsFix": fixes})
    pair = Pair(sandbox[0], model)
    start(pair)
    pair.drive()  # nothing escapes run_step

    state = pair.state()
    assert state.status == RunStatus.COMPLETED, state.last_error
    assert any("file path './LAUNCH.md' may not contain '..' or '.' components" in m for m in errors(pair))
    assert any("./LAUNCH.md" in prompt for name, prompt in model.prompts if name == "ArgsFix")
    [pull] = admin.repo("acme/site")["pulls"]
    assert pull["head"] == branch_for(idempotency_key("t1", "r1", 2))
    files = admin.files("acme/site", pull["head"])
    assert files["LAUNCH.md"] == "Launch\n" and not any(p.startswith(("/", "./")) for p in files)
    assert created(admin, "github", "/pulls") == 1  # the repaired change's only


def test_a_ref_with_a_space_is_repaired_before_vercel_is_asked(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    good: dict[str, Any] = {"project": "site", "repository": "acme/site", "ref": "main"}
    fixes: list[Answer] = [
        {"args_json": json.dumps(good | {"ref": "launch note"})},
        {"args_json": json.dumps(good)},
    ]
    refused = ("deploy_vercel", good | {"project": "other"})  # refused by the tool: a repair follows
    model = FakeModel({"PlanOut": [plan(DRAFT, refused, FINISH)], "ArgsFix": fixes})
    pair = Pair(sandbox[0], model)
    start(pair)
    pair.drive()

    state = pair.state()
    assert state.status == RunStatus.COMPLETED, state.last_error
    assert any("ref 'launch note' may only contain" in m for m in errors(pair))
    [deployment] = admin.deployments()
    assert deployment["meta"]["notionAgentKey"] == idempotency_key("t1", "r1", 2)
    assert created(admin, "vercel", "/deployments") == 1  # the repaired deployment's only
