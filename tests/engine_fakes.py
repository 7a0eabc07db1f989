"""Fakes for the run engine: a scripted model and a small in-memory Notion, plus Deps over fakes."""

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

from pydantic import BaseModel

from shared.engine.services.engine import StepOutcome, run_step
from shared.engine.services.humans import respond
from shared.notion.domain.markdown import comment_rich_text
from shared.notion.domain.notion_markdown import blocks_to_markdown
from shared.notion.ports import NotionClient, TenantNotion
from shared.notion.services.notion_access import NotionForTenant
from shared.platform.adapters.offline_model import OfflineModel
from shared.platform.config import PlatformSecret, Settings
from shared.platform.domain.model_calls import ModelReply, ModelUsage
from shared.platform.errors import NotFound, PermanentError, UnusableReply
from shared.platform.ports import Model
from shared.runs.domain.approval_digests import effect_digest, is_production
from shared.runs.domain.events import HumanRequested, HumanResponded
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.runs.services.spend_cache import SpendCache
from shared.tools import REGISTRY, SideEffect
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.fakes import FakeQueue, FakeRunStore, FakeSecrets, FakeTenantStore


def plan_answer(*steps: tuple[str, Any], goal: str = "g", risk: str = "low") -> dict[str, Any]:
    """The model's PlanOut answer whose steps call each ``(tool, args)`` in order."""
    return {"goal": goal, "risk": risk, "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


FINISH_PLAN = plan_answer(("finish", {"summary": "ok"}))  # a plan that finishes at once
PERSON = "user-person"  # a workspace member, the author of blocks ``FakeNotion.add_block`` adds
Answer = dict[str, Any] | Exception | Callable[[str], dict[str, Any]]


@dataclass
class FakeModel(Model):
    """Answers from a script per schema name (dicts, exceptions, or functions of the prompt); when a
    script runs out it falls back to the offline model. Records every prompt. A scripted exception is
    a call nobody paid for; an answer off the schema is paid for (UnusableReply, as the adapter)."""

    script: dict[str, list[Answer]] = field(default_factory=dict)
    cost_usd: float = 0.001
    prompts: list[tuple[str, str]] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)  # each call's purpose (the model it would use)

    def generate[T: BaseModel](self, purpose: str, prompt: str, schema: type[T]) -> ModelReply[T]:
        self.prompts.append((schema.__name__, prompt))
        self.purposes.append(purpose)
        queue = self.script.get(schema.__name__, [])
        usage = ModelUsage("fake", len(prompt) // 4, 10, self.cost_usd)
        if not queue:
            return ModelReply(OfflineModel().generate(purpose, prompt, schema).value, usage)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        value = answer(prompt) if callable(answer) else answer
        try:
            return ModelReply(schema.model_validate(value), usage)
        except ValueError as exc:
            raise UnusableReply(f"the answer did not match {schema.__name__}", usage) from exc


class WithToken:
    """A fake whose calls take the token first, as the ``TenantNotion`` port its ``with_token``
    gives: each call is the fake's with ``token`` put first (fakes may check which token came)."""

    def __init__(self, fake: object, token: str) -> None:
        self._fake, self._token = fake, token

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return partial(getattr(self._fake, name), self._token)


def answered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rich text request ``items`` as Notion answers them: each with its ``plain_text`` and ``href``."""
    return [
        i | {"plain_text": i["text"]["content"], "href": (i["text"].get("link") or {}).get("url")}
        for i in items
    ]


@dataclass
class FakeNotion(NotionClient):
    """Pages, children, comments and data sources in memory; ``writes`` counts effects by kind;
    ``fail`` maps a method name to exceptions raised by its next calls. Its calls take the token
    first (:class:`WithToken`)."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    databases: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: Counter[str] = field(default_factory=Counter)
    fail: dict[str, list[BaseException]] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=itertools.count)
    bot_id: str = "bot-1"  # the integration's bot user (``me``)
    trash: list[dict[str, Any]] = field(default_factory=list)  # deleted blocks, still retrieved

    def with_token(self, token: str) -> TenantNotion:
        return cast(TenantNotion, WithToken(self, token))

    def _maybe_fail(self, name: str) -> None:
        if self.fail.get(name):
            raise self.fail[name].pop(0)

    def add_page(self, title: str, parent: dict[str, Any] | None = None, text: str = "", **props: Any) -> str:
        pid = f"page-{next(self.ids)}"
        properties: dict[str, dict[str, Any]] = {"Name": {"type": "title", "title": [{"plain_text": title}]}}
        properties |= {k: {"type": "status", "status": {"name": v}} for k, v in props.items()}
        self.pages[pid] = {
            "id": pid,
            "parent": parent or {},
            "properties": properties,
            "url": f"https://n/{pid}",
        }
        self.children[pid] = [_para(t) for t in text.splitlines() if t]
        return pid

    def add_block(self, page_id: str, text: str, author: str = PERSON) -> str:
        """A paragraph ``author`` wrote at the end of the page; its id."""
        block_id = f"block-{next(self.ids)}"
        self.children.setdefault(page_id, []).append({"id": block_id, **_para(text), **_by(author, page_id)})
        return block_id

    def retrieve_page(self, token: str, page_id: str) -> dict[str, Any]:
        self._maybe_fail("retrieve_page")
        if page_id not in self.pages:  # as the adapter: Notion's 404
            raise PermanentError(f"Notion answered 404 object_not_found: no page {page_id}")
        return self.pages[page_id]

    def retrieve_database(self, token: str, database_id: str) -> dict[str, Any]:
        self._maybe_fail("retrieve_database")
        if database_id not in self.databases:
            raise PermanentError(f"Notion answered 404 object_not_found: no database {database_id}")
        return self.databases[database_id]

    def list_children(self, token: str, block_id: str) -> Iterator[dict[str, Any]]:
        self._maybe_fail("list_children")
        return iter(list(self.children.get(block_id, [])))

    def retrieve_markdown(self, token: str, page_id: str) -> dict[str, Any]:
        """As Notion's Markdown endpoint: the page's blocks as Markdown; 404 for an unknown page."""
        self._maybe_fail("retrieve_markdown")
        if page_id not in self.pages:
            raise PermanentError(f"Notion answered 404 object_not_found: no page {page_id}")
        markdown = blocks_to_markdown(list(self.children.get(page_id, [])))
        return {"object": "page_markdown", "id": page_id, "markdown": markdown, "truncated": False,
                "unknown_block_ids": []}  # fmt: skip

    def search(self, token: str, query: str = "", filter: Any = None) -> Iterator[dict[str, Any]]:
        return iter(
            [p for p in self.pages.values() if query in p["properties"]["Name"]["title"][0]["plain_text"]]
        )

    def retrieve_data_source(self, token: str, data_source_id: str) -> dict[str, Any]:
        return self.sources.get(data_source_id, {"properties": {"Name": {"type": "title"}}})

    def query_data_source(
        self, token: str, data_source_id: str, filter: Any = None, sorts: Any = None
    ) -> Iterator[dict[str, Any]]:
        rows = [p for p in self.pages.values() if p["parent"].get("data_source_id") == data_source_id]
        return iter(rows)

    def create_page(
        self, token: str, parent: dict[str, Any], properties: dict[str, Any], children: Any = None
    ) -> dict[str, Any]:
        self._maybe_fail("create_page")
        title = next(v["title"][0]["text"]["content"] for v in properties.values() if "title" in v)
        pid = self.add_page(title, parent)
        self.children[pid] = [
            {"id": f"block-{next(self.ids)}", **b, **_by(self.bot_id, pid)} for b in children or []
        ]
        if "page_id" in parent:
            self.children.setdefault(parent["page_id"], []).append({"id": pid, "type": "child_page"})
        self.writes["create_page"] += 1
        return self.pages[pid]

    def update_page_properties(self, token: str, page_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        self._maybe_fail("update_page_properties")
        for name, value in properties.items():
            kind = next(iter(value))
            self.pages[page_id]["properties"][name] = {"type": kind, kind: value[kind]}
        self.writes["update_properties"] += 1
        return self.pages[page_id]

    def append_blocks(
        self, token: str, block_id: str, blocks: list[dict[str, Any]], after: str | None = None
    ) -> list[dict[str, Any]]:
        self._maybe_fail("append_blocks")
        made = [{"id": f"block-{next(self.ids)}", **b, **_by(self.bot_id, block_id)} for b in blocks]
        siblings = self.children.setdefault(block_id, [])
        at = next((i + 1 for i, b in enumerate(siblings) if after and b.get("id") == after), len(siblings))
        siblings[at:at] = made
        self.writes["append_blocks"] += 1
        return made

    def retrieve_block(self, token: str, block_id: str) -> dict[str, Any]:
        for block in itertools.chain(*self.children.values(), self.trash):
            if block.get("id") == block_id:
                return block
        raise PermanentError(f"Notion answered 404 object_not_found: no block {block_id}")

    def move_page(self, token: str, page_id: str, parent_page_id: str) -> dict[str, Any]:
        self.pages[page_id]["parent"] = {"type": "page_id", "page_id": parent_page_id}
        self.writes["move_page"] += 1
        return self.pages[page_id]

    def trash_page(self, token: str, page_id: str, in_trash: bool) -> dict[str, Any]:
        self.pages[page_id]["in_trash"] = in_trash
        self.writes["trash_page"] += 1
        return self.pages[page_id]

    def update_block(self, token: str, block_id: str, body: dict[str, Any]) -> dict[str, Any]:
        for blocks in self.children.values():
            for block in blocks:
                if block.get("id") == block_id:
                    block.update(body)
                    self.writes["update_block"] += 1
                    return block
        raise PermanentError(f"Notion answered 404 object_not_found: no block {block_id}")

    def delete_block(self, token: str, block_id: str) -> None:
        for blocks in self.children.values():
            for block in blocks:
                if block.get("id") == block_id:
                    blocks.remove(block)
                    self.trash.append(block | {"in_trash": True})
                    self.writes["delete_block"] += 1
                    return
        raise PermanentError(f"Notion answered 404 object_not_found: no block {block_id}")

    def list_comments(self, token: str, block_id: str) -> Iterator[dict[str, Any]]:
        return iter(list(self.comments.get(block_id, [])))

    def me(self, token: str) -> dict[str, Any]:
        return {"object": "user", "id": self.bot_id, "type": "bot"}

    def get_comment(self, token: str, comment_id: str) -> dict[str, Any]:
        self._maybe_fail("get_comment")
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == comment_id:
                    return comment
        raise PermanentError(f"Notion answered 404 object_not_found: no comment {comment_id}")

    def add_comment(self, token: str, page_id: str, text: str, discussion_id: str = "") -> dict[str, Any]:
        self._maybe_fail("add_comment")
        made = f"c-{next(self.ids)}"
        comment = {
            "id": made,
            "rich_text": answered(comment_rich_text(text)),
            "discussion_id": discussion_id or f"d-{made}",
            "created_by": {"id": self.bot_id, "object": "user"},
        }
        self.comments.setdefault(page_id, []).append(comment)
        self.writes["add_comment"] += 1
        return comment

    def update_comment(self, token: str, comment_id: str, text: str) -> dict[str, Any]:
        self._maybe_fail("update_comment")
        for comment in (c for listed in self.comments.values() for c in listed):
            if comment["id"] == comment_id and comment["created_by"]["id"] == self.bot_id:
                comment["rich_text"] = answered(comment_rich_text(text))
                self.writes["update_comment"] += 1
                return comment
        raise NotFound(f"no comment {comment_id} of this connection")

    def search_visible(
        self, token: str, query: str, start_cursor: str | None, page_size: int, kind: str | None = None
    ) -> dict[str, Any]:
        titled = [p for p in self.pages.values() if query.lower() in json.dumps(p["properties"]).lower()]
        return {"results": titled[:page_size], "next_cursor": None, "has_more": False}

    def create_database(
        self,
        token: str,
        parent_page_id: str,
        title: str,
        properties: dict[str, Any],
        description: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        self._maybe_fail("create_database")
        n = next(self.ids)
        database: dict[str, Any] = {"id": f"db-{n}", "title": [{"plain_text": title}]}
        database["description"] = [{"plain_text": nt_plain(description)}] if description else []
        self.children.setdefault(parent_page_id, []).append({"id": f"db-{n}", "type": "child_database"})
        database["data_sources"] = [{"id": f"ds-{n}"}]
        self.databases[f"db-{n}"] = database
        self.sources[f"ds-{n}"] = {"id": f"ds-{n}", "properties": properties}
        self.writes["create_database"] += 1
        return database


def asking(comment_id: str, user_id: str, text: str = " please help") -> dict[str, Any]:
    """A comment (as Notion returns it) that mentions ``user_id`` and then says ``text``."""
    mention = {
        "type": "mention",
        "mention": {"type": "user", "user": {"id": user_id}},
        "plain_text": "@Agent",
    }
    return {
        "object": "comment",
        "id": comment_id,
        "rich_text": [mention, {"type": "text", "plain_text": text}],
    }


def nt_plain(items: list[dict[str, Any]]) -> str:
    """Rich text's plain text, as Notion returns it in ``plain_text``."""
    return "".join(str(i.get("plain_text") or i.get("text", {}).get("content", "")) for i in items)


def _by(user: str, page_id: str) -> dict[str, Any]:
    """A block's authors and parent, as Notion returns them."""
    who = {"object": "user", "id": user}
    return {"created_by": who, "last_edited_by": who, "parent": {"type": "page_id", "page_id": page_id}}


def _para(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "paragraph": {"rich_text": [{"plain_text": text}]}}


def make_deps(
    model: Any = None, notion: FakeNotion | None = None, store: FakeRunStore | None = None, **settings: Any
) -> Deps:
    fake_notion = notion or FakeNotion()
    # A model call reserves what the fakes' calls cost at most (0.01), so a test's small budgets fit
    # as many calls as they pay for (a budget is never passed: decision 0084).
    defaults = {"step_lease_s": 30.0, "spend_cache_ttl_s": 0.0, "model_call_reserve_usd": 0.01}
    config = Settings(**(defaults | settings))
    return Deps(
        store=store or FakeRunStore(),
        queue=FakeQueue(),
        secrets=FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: "k" * 32}),
        settings=config,
        spend=SpendCache(),
        model=model or FakeModel(),
        notion_for=lambda _tenant: NotionForTenant(fake_notion, lambda op: op("token")),
        tenants=connected_tenants(config, "t1"),
    )


def raise_budget(deps: Deps, tenant_id: str = "t1", **budgets: float) -> None:
    """What an owner does through ``PATCH /settings``: set the workspace's own budgets (``max_cost_per_
    run_usd``, ``max_cost_per_day_usd``, ``max_cost_per_month_usd``)."""

    def change(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"settings": tenant.settings.model_copy(update=budgets)})

    deps.need_tenants().update(tenant_id, change)


def connected_tenants(config: Settings, *tenant_ids: str) -> FakeTenantStore:
    """A tenant store holding each of ``tenant_ids`` connected (session epoch ``epoch-<id>``), with
    the deployment's default budgets as its own."""
    tenants, now = FakeTenantStore(), datetime(2026, 1, 1, tzinfo=UTC)
    budgets = TenantSettings(
        max_cost_per_run_usd=config.default_run_budget_usd,
        max_cost_per_day_usd=config.default_day_budget_usd,
        max_cost_per_month_usd=config.default_month_budget_usd,
    )
    for tenant_id in tenant_ids:
        tenants.save(
            Tenant(
                tenant_id=tenant_id,
                workspace_id=f"ws-{tenant_id}",
                token_secret=f"notion-token-{tenant_id}",
                session_epoch=f"epoch-{tenant_id}",
                settings=budgets,
                created_at=now,
                updated_at=now,
            )
        )
    return tenants


def run_step_as_owner(task: StepTask, deps: Deps) -> StepOutcome:
    """``run_step``, with the owner approving (a session's decision) the effect or the plan it
    stopped to ask about, if it did, and the step that follows run at once: for tests of something
    else than who decides (tests/unit/engine/authority/test_authority.py is about that). The request's message and
    the step task the approval enqueued are taken out of the queue, so it holds what the steps
    themselves enqueued."""
    outcome = run_step(task, deps)
    run = deps.store.get_run(task.tenant_id, task.run_id)
    waiting = run.state.waiting if run is not None else None
    if waiting is None or not waiting.request_id.startswith(("effect-", "approval-")):
        return outcome
    queue = deps.queue
    assert isinstance(queue, FakeQueue)
    respond(deps, task.tenant_id, task.run_id, "approve", request_id=waiting.request_id)
    message = f"{task.run_id}-{waiting.request_id}"
    steps = [b for _, b, _, _ in queue.tasks if isinstance(b, StepTask) and b.run_id == task.run_id]
    queue.tasks[:] = [
        t
        for t in queue.tasks
        if t[1] not in steps[-1:] and not getattr(t[1], "notification_id", "").startswith(message)
    ]
    return run_step(steps[-1], deps) if steps else outcome


def owner_approved(deps: Deps, tenant_id: str = "t1", run_id: str = "r1") -> None:
    """Record the owner's approval (a session's) of every change the run's plan names outright (no
    reference): what a plan approved up front lets happen, for tests of something else."""
    run = deps.store.get_run(tenant_id, run_id)
    assert run is not None
    state = run.state
    effects = tuple(
        effect_digest(s.tool, s.args, production=is_production(s.tool, s.args))
        for s in state.steps
        if REGISTRY[s.tool].effect in (SideEffect.CODE, SideEffect.NOTION_WRITE)
    )
    seq, at = state.last_seq + 1, deps.clock()
    ask = HumanRequested(
        seq=seq,
        at=at,
        request_id="approval-0",
        step=state.cursor,
        purpose="approval",
        prompt="p",
        effects=effects,
    )
    yes = HumanResponded(seq=seq + 1, at=at, request_id="approval-0", decision="approve")
    assert deps.store.append(tenant_id, run_id, state, [ask, yes]) is not None
