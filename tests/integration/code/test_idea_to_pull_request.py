"""From an idea to a pull request, end to end on the local stack: an idea row of
the Notion sandbox's Ideas data source set to "Ready for agent" starts a run of the agent whose
instructions say so (signed webhook, intake, plan, the offline model); the requirements are written
on the idea page; the run waits for the owner (no task held); the owner edits them in Notion and
approves; the pull request opened in the code sandbox is made from the edited requirements and links
the page. Firestore and Cloud Tasks emulators, the Notion and code sandboxes, the real adapters."""

import base64
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from local.code_sandbox.testing import Admin
from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.agents.services.agents import sync_agents
from shared.code.adapters.github import GitHubCodeHost
from shared.code.adapters.vercel import VercelDeployer
from shared.code.services.code_access import CodeAccess
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.notify.domain.provenance import key_of_url
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.integrations import Integration, code_token_secret
from shared.workspace.domain.settings import TenantSettings, plain_notion_id
from shared.workspace.domain.triggers import Rule, resolve
from tests.integration.notion_stack import Stack
from tests.support.engine.deploy_steps import GITHUB_TOKEN, admin, sandbox
from tests.support.engine.webhook_intake import flush, schema
from tests.support.runs.trigger_rules import Planner

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

INSTRUCTIONS = (
    "When an idea is ready for you, turn it into requirements for a pull request in acme/site, "
    "let the owner edit them, then open the pull request from them."
)
READY = [{"kind": "property_changed", "property": "Status", "to": "Ready for agent"}]


def _act(stack: Stack, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A person (the owner, Ada) acting in the Notion sandbox."""
    done = stack.admin.post("/workspaces/demo/act", {"method": method, "path": path, "body": body or {}})
    assert done["status"] == 200, done
    return dict(done["response"])


def _blocks(stack: Stack, page: str) -> list[tuple[str, str, str]]:
    """The page's blocks as (id, type, text)."""
    found = _act(stack, "GET", f"/v1/blocks/{page}/children")["results"]
    return [
        (b["id"], b["type"], "".join(t["plain_text"] for t in b[b["type"]].get("rich_text", [])))
        for b in found
    ]


def _rewrite(stack: Stack, page: str, old: str, new: str) -> None:
    [block] = [(i, k) for i, k, t in _blocks(stack, page) if t == old]
    _act(stack, "PATCH", f"/v1/blocks/{block[0]}", {block[1]: {"rich_text": [{"text": {"content": new}}]}})


class Driver:
    """Plan and step tasks delivered from the held Cloud Tasks queues as the functions would: plan,
    execute-step (with Notion), deploy (the code sandbox's GitHub, no Notion)."""

    def __init__(self, stack: Stack, code_url: str) -> None:
        self.stack, self.deps = stack, stack.container.engine()
        c = stack.container
        host = GitHubCodeHost(code_url + "/github", 5.0)
        deployer = VercelDeployer(code_url + "/vercel", 5.0, sites_url=code_url + "/vercel/_sites")
        self.deploy: Deps = self.deps._replace(
            code=CodeAccess(host, deployer, c.platform.secrets, c.workspace.tenants), notion_for=None
        )
        self.planner = Planner(stack.tasks, self.deps)

    def drive(self) -> None:
        """Every pending plan and step task, until none is left (a run waiting for a person has none)."""
        for _ in range(40):
            self.planner.plan_pending()
            held = [
                t
                for t in self.stack.tasks.pending_tasks()
                if t["queue_id"] in (Queue.EXECUTE_STEP.value, Queue.DEPLOY.value)
            ]
            if not held:
                return
            for task in held:
                self.stack.tasks.drop(task["name"])
                body = StepTask.model_validate_json(base64.b64decode(task["body"]))
                run_step(body, self.deploy if task["queue_id"] == Queue.DEPLOY.value else self.deps)
        raise AssertionError("the run did not settle")


def _idea_agent(stack: Stack, code_url: str) -> tuple[str, str, Driver]:
    """The demo workspace connected, allowed acme/site, with an agent whose instructions say to turn
    a ready idea into requirements and a pull request; the Ideas data source's id and a driver."""
    tenant_id = stack.connect()["tenant_id"]
    ws = next(w for w in stack.admin.get("/workspaces") if w["key"] == "demo")
    ideas = ws["ids"]["ideas_data_source"]
    rules = resolve(TypeAdapter(list[Rule]).validate_python(READY), schema(stack, "demo", ideas), ideas, "t")
    c = stack.container
    tenant = c.workspace.tenants.get(tenant_id)
    assert tenant is not None
    chosen = TenantSettings(data_source_ids=[ideas], github_repositories=["acme/site"])
    c.workspace.tenants.save(tenant.model_copy(update={"settings": chosen}))
    now = datetime.now(UTC)
    accepted = InstructionsVersion(content_hash="idea-to-code-v1", edited_at=now, text=INSTRUCTIONS)
    agent = Agent(
        agent_id="idea-to-code",
        name="Idea to code",
        created_at=now,
        updated_at=now,
        triggers={ideas: rules},
        accepted=accepted,
    )
    assert c.agents.agents.create(tenant_id, agent)
    sync_agents(tenant_id, c.workspace.tenants, c.agents.agents)
    c.platform.secrets.put(code_token_secret(tenant_id, Integration.GITHUB), GITHUB_TOKEN)
    if (stack.admin.get("/webhook")["subscription"] or {}).get("url") != stack.webhook_url:
        assert stack.subscribe()["verified"]
    flush(stack)
    return tenant_id, ws["ids"]["idea_dashboard"], Driver(stack, code_url)


def test_a_ready_idea_gets_requirements_the_owner_edits_then_a_pull_request_linking_it(
    stack: Stack, sandbox: tuple[str, Admin], admin: Admin
) -> None:
    tenant_id, idea, driver = _idea_agent(stack, sandbox[0])
    _act(
        stack,
        "PATCH",
        f"/v1/pages/{idea}",
        {"properties": {"Status": {"status": {"name": "Ready for agent"}}}},
    )
    flush(stack)
    driver.drive()

    [run] = driver.deps.store.list_runs(tenant_id)
    state = run.state
    assert state.status == RunStatus.WAITING_FOR_HUMAN, state.last_error
    assert state.agent_id == "idea-to-code" and state.page_id == idea
    assert [s.tool for s in state.steps] == [
        "write_requirements",
        "request_approval",
        "read_requirements",
        "plan_next",
    ]
    assert state.waiting is not None and state.waiting.step == 2  # asked once, after the write
    # The request links the page the requirements are on, as Notion gave its url
    assert state.waiting.page_url == f"{stack.sandbox.url}/screen/demo/pages/{plain_notion_id(idea)}"
    assert stack.pending(Queue.EXECUTE_STEP) == [] and stack.pending(Queue.DEPLOY) == []  # nothing held
    texts = [t for _, _, t in _blocks(stack, idea)]
    assert texts.count("Requirements") == 1 and "acme/site" in texts
    assert "A dashboard of open tasks: Show overdue tasks first." in texts
    assert admin.repo("acme/site")["pulls"] == []  # nothing pushed before the owner's go-ahead

    # The owner edits the requirements in Notion, then approves: the code run starts from the edit.
    _rewrite(
        stack, idea, "A dashboard of open tasks: Show overdue tasks first.", "A dashboard of overdue tasks"
    )
    _rewrite(stack, idea, "The change does what 'A dashboard of open tasks' asks", "Overdue tasks come first")
    for _ in range(5):  # the requirements' approval, then the pull request's (a code step)
        waiting = driver.deps.store.get_run(tenant_id, run.run_id)
        assert waiting is not None
        if waiting.state.status != RunStatus.WAITING_FOR_HUMAN or waiting.state.waiting is None:
            break
        humans.respond(
            driver.deps, tenant_id, run.run_id, "approve", request_id=waiting.state.waiting.request_id
        )
        driver.drive()

    done = driver.deps.store.get_run(tenant_id, run.run_id)
    assert done is not None
    assert done.state.status == RunStatus.COMPLETED, done.state.last_error
    [pull] = admin.repo("acme/site")["pulls"]
    assert pull["title"] == "A dashboard of overdue tasks"
    assert "- Overdue tasks come first" in pull["body"]
    # The idea's page as Notion gave its url (here the sandbox's screen), not notion.so
    assert (
        f"From the Notion page {stack.sandbox.url}/screen/demo/pages/{plain_notion_id(idea)}" in pull["body"]
    )
    assert [t for _, _, t in _blocks(stack, idea)].count("Requirements") == 1  # written once
    _no_internal_id_is_read(stack, pull["body"])


def _no_internal_id_is_read(stack: Stack, pull_body: str) -> None:
    """What a person reads of the run (every block and comment of the workspace, the pull
    request as GitHub renders it) holds no ``ref <id>``; the key is in the signature's link or an
    HTML comment, where the lookups still find it."""
    state = stack.admin.get("/workspaces/demo/state")
    lines = [line for p in state["pages"] for line in p["content"]] + state["comments"]
    rendered = re.sub(r"<!--.*?-->", "", pull_body, flags=re.DOTALL)
    read = [line["text"] for line in lines] + [rendered]
    assert [t for t in read if re.search(r"\bref [A-Za-z0-9]", t)] == []
    signed = [line for line in lines if line["text"] == "Notion Agent" and line["links"]]
    assert signed and all(key_of_url(u) for line in signed for u in line["links"])
    assert "Opened by Notion Agent" in rendered and "<!-- notion-agent ref " in pull_body
