"""A workspace's agents: list them (a workspace without any gets the default agent, so it keeps
working), create, edit, pause and delete them, read their instructions pages, accept a version, and
choose the agent and instructions a run uses. Models and rules: :mod:`shared.agents.domain.agents`.
Past the limit: one job, an agent kept from its making to the run that uses it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import TypeAdapter

from shared.agents.domain.agents import (
    DEFAULT_AGENT_ID,
    DEFAULT_INSTRUCTIONS,
    MAX_AGENTS,
    MAX_INSTRUCTIONS,
    Agent,
    AgentInput,
    InstructionsVersion,
    Read,
    Usable,
    agent_id_for,
    default_agent,
    field_words,
    named_in,
    plain_problem,
    routine_started,
    schedule_of,
    schedules_of,
    usable_version,
    version_of,
)
from shared.agents.domain.slack_channels import channel_clashes
from shared.notion.domain.blocks import text_blocks
from shared.notion.services import notion_text as nt
from shared.platform.errors import Conflict, InvalidInput, NotFound, PermanentError
from shared.tools import CODE_PLANNED, REGISTRY
from shared.workspace.domain.settings import plain_notion_id
from shared.workspace.domain.triggers import Rule

if TYPE_CHECKING:
    from shared.agents.ports import AgentStore
    from shared.notion.ports import TenantNotion
    from shared.workspace.domain.tenants import Tenant
    from shared.workspace.ports import TenantStore

type JSON = dict[str, Any]
log = logging.getLogger(__name__)
MAX_INSTRUCTION_BLOCKS = 100  # blocks of an instructions page read
ALWAYS_ALLOWED = ("finish", "request_approval", "ask_question")  # the engine's own: every agent has them


def agents_of(tenant_id: str, agents: AgentStore, now: datetime | None = None) -> list[Agent]:
    """The workspace's agents; one without any (connected before agents) gets the default agent,
    created once whoever reads first (its id is fixed: a create-if-absent)."""
    found = agents.list_for(tenant_id)
    if found:
        return found
    agents.create(tenant_id, default_agent(now or datetime.now(UTC)))
    return agents.list_for(tenant_id)


def agent_of(tenant_id: str, agent_id: str, agents: AgentStore) -> Agent:
    """The agent ``agent_id`` (the default one made on first read); NotFound otherwise."""
    found = agents.get(tenant_id, agent_id)
    if found is None and agent_id == DEFAULT_AGENT_ID:
        found = next((a for a in agents_of(tenant_id, agents) if a.is_default), None)
    if found is None:
        raise NotFound("this workspace has no agent of that id")
    return found


def view(agent: Agent) -> JSON:
    """An agent as the api shows it (its accepted instructions' text included, as the owner's words)."""
    shown = agent.model_dump(mode="json")
    shown["default"] = agent.is_default
    shown["review"] = agent.review  # stored only when on: shown always
    return shown


def list_view(tenant_id: str, agents: AgentStore) -> JSON:
    return {"agents": [view(a) for a in agents_of(tenant_id, agents)]}


# -- creating and changing -----------------------------------------------------------------------------


def _clashes(body: AgentInput, taken: list[Agent], agent_id: str | None) -> list[tuple[str, str]]:
    """What ``body`` clashes with among the workspace's agents (a 409): a name another agent has."""
    found = channel_clashes(body.slack_channels or [], taken, agent_id)
    if body.name is None:
        return found
    name = body.name.strip().lower()
    if any(a.agent_id != agent_id and a.name.strip().lower() == name for a in taken):
        return [("name", f"another agent is called {body.name!r}"), *found]
    return found


def _problems(body: AgentInput, agent_id: str | None) -> list[tuple[str, str]]:
    """Every problem of ``body`` that its model cannot see: unknown tools, instructions in a change."""
    found: list[tuple[str, str]] = []
    for i, tool in enumerate(body.tools or []):
        if tool not in REGISTRY or tool in CODE_PLANNED:
            names = ", ".join(sorted(set(REGISTRY) - CODE_PLANNED))
            found.append((f"tools.{i}", f"no tool is called {tool!r} (tools: {names})"))
    if agent_id is not None and body.instructions is not None:
        found.append(("instructions", "instructions are edited in their Notion page, not here"))
    return found


def _refuse(problems: list[tuple[str, str]], clashes: list[tuple[str, str]]) -> None:
    """A 400 naming every problem; else a 409 for a clash with the workspace's agents."""
    if problems:
        raise refused_in_words(problems)
    if clashes:
        raise Conflict("; ".join(f"{field_words(f)}: {why}" for f, why in clashes))


def refused_in_words(problems: list[tuple[str, str]]) -> InvalidInput:
    """A 400 naming each field as the builder does (:func:`field_words`), its problem in plain words;
    the fields' dotted places kept for scripts."""
    said = [plain_problem(why) for _, why in problems]
    reason = "invalid field(s): " + "; ".join(
        f"{field_words(f)}: {why}" for (f, _), why in zip(problems, said, strict=True)
    )
    return InvalidInput(reason, [f for f, _ in problems], said)


def _triggers(body: AgentInput, notion: TenantNotion | None) -> dict[str, list[Rule]] | None:
    if body.triggers is None:
        return None
    from shared.team.services.tenant_settings import resolved_triggers  # the settings' checks: routes only

    reader = (lambda source: notion.retrieve_data_source(source).get("properties", {})) if notion else None
    resolved = resolved_triggers(body.triggers, reader)
    rules_of = TypeAdapter(list[Rule])
    return {s: rules_of.validate_python(rules) for s, rules in resolved.items()}


def _changes(body: AgentInput, notion: TenantNotion | None) -> JSON:
    rules = ("tracker_triggers", "calendar_triggers")
    changes: JSON = body.model_dump(exclude_none=True, exclude={"instructions", "triggers", *rules})
    if body.triggers is not None:
        changes["triggers"] = _triggers(body, notion)
    if body.tools is not None:
        changes["tools"] = tuple(body.tools)
    if body.slack_channels is not None:  # each once, in the order given
        changes["slack_channels"] = tuple(dict.fromkeys(body.slack_channels))
    if body.reach is not None:
        changes["reach"] = body.reach  # the model, not its dump: the stored agent's reach is a Reach
    changes |= {r: tuple(getattr(body, r)) for r in rules if getattr(body, r) is not None}
    if body.schedules is not None:
        changes["schedules"] = tuple(schedule_of(s) for s in body.schedules)
    return changes


def create_agent(
    tenant_id: str,
    body: AgentInput,
    tenants: TenantStore,
    agents: AgentStore,
    notion: TenantNotion | None,
    *,
    now: datetime | None = None,
    agent_id: str = "",
    template: str = "",
) -> JSON:
    """A new agent, its instructions in a new page under the agent's home if any (else kept as accepted:
    the owner wrote them here). 400 naming every problem; 409 for a name taken or one agent too many.
    ``agent_id`` given (a template's use): one a twin request made first is answered, our page trashed."""
    now = now or datetime.now(UTC)
    taken = agents_of(tenant_id, agents, now)
    problems, clashes = _problems(body, None), _clashes(body, taken, None)
    if body.name is None:
        problems.insert(0, ("name", "a new agent needs a name"))
    if len(taken) >= MAX_AGENTS:
        clashes.append(("(body)", f"a workspace has at most {MAX_AGENTS} agents"))
    _refuse(problems, clashes)
    name = str(body.name)
    text = body.instructions or ""
    agent = Agent(
        agent_id=agent_id or agent_id_for(name, [a.agent_id for a in taken]),
        name=name,
        created_at=now,
        updated_at=now,
        template=template,
    ).model_copy(update=_changes(body, notion))
    tenant = tenants.get(tenant_id, fresh=True)
    parent = tenant.home.parent_page_id if tenant is not None and tenant.home is not None else ""
    if parent and notion is not None:
        page = _write_page(notion, parent, name, text or f"Describe what {name} does.")
        agent = agent.model_copy(update={"instructions_page_id": page[0], "instructions_url": page[1]})
        agent = _accept_as_read(notion, agent)
    else:
        kept = version_of(text, now, [tenant.owner_user_id if tenant else ""])
        agent = agent.model_copy(update={"accepted": kept.model_copy(update={"text": text})})
    if not agents.create(tenant_id, agent):
        if (first := agents.get(tenant_id, agent_id) if agent_id else None) is None:
            raise Conflict("an agent of that name was just made: list the agents and try again")
        if notion is not None and agent.instructions_page_id not in ("", first.instructions_page_id):
            notion.trash_page(agent.instructions_page_id, True)
        return view(first)
    sync_agents(tenant_id, tenants, agents)
    return view(agent)


def sync_agents(tenant_id: str, tenants: TenantStore, agents: AgentStore) -> Tenant:
    """Keep the tenant's copies of its agents in step with them, after a create, an edit or a delete.
    ``Tenant.agent_triggers`` holds the rules of the unpaused agents (the default agent's are the
    settings'), for webhook intake. ``Tenant.agent_schedules`` holds their schedules, for the hourly
    tick. Neither reader then reads agents. The agents are listed inside the tenant's conditioned
    update, so a stale list never overwrites a newer one. Returns the tenant as stored."""

    def change(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise NotFound("this workspace is not connected")
        listed = agents.list_for(tenant_id)
        triggers = {
            a.agent_id: a.triggers for a in listed if a.triggers and not a.paused and not a.is_default
        }
        return tenant.model_copy(update={"agent_triggers": triggers, "agent_schedules": schedules_of(listed)})

    return tenants.update(tenant_id, change)


def _write_page(notion: TenantNotion, parent: str, name: str, text: str) -> tuple[str, str]:
    """A new instructions page under ``parent``: one paragraph per line of ``text``."""
    blocks = [b for line in text.splitlines() if line.strip() for b in text_blocks("paragraph", line)]
    title = {"title": {"title": [{"type": "text", "text": {"content": f"Instructions: {name}"[:200]}}]}}
    page = notion.create_page({"type": "page_id", "page_id": parent}, title, blocks[:MAX_INSTRUCTION_BLOCKS])
    return str(page["id"]), str(page.get("url") or "")


def _accept_as_read(notion: TenantNotion, agent: Agent) -> Agent:
    """``agent`` with its new page's version (the owner's words, written by the agent) accepted."""
    read = read_instructions(notion, agent)
    if read is None:
        return agent
    return agent.model_copy(update={"accepted": read.version.model_copy(update={"text": read.text})})


def edit_agent(
    tenant_id: str,
    agent_id: str,
    body: AgentInput,
    *,
    tenants: TenantStore,
    agents: AgentStore,
    notion: TenantNotion | None,
) -> JSON:
    """Change what ``body`` sends (a pause is ``paused: true``). 400 naming every problem; 409 for a
    name another agent has."""
    current = agent_of(tenant_id, agent_id, agents)
    _refuse(_problems(body, agent_id), _clashes(body, agents.list_for(tenant_id), agent_id))
    changes = _changes(body, notion) | {"updated_at": datetime.now(UTC)}
    changed = agents.update(tenant_id, current.agent_id, lambda a: a.model_copy(update=changes))
    if changed is None:
        raise NotFound("this workspace has no agent of that id")
    if body.triggers is not None or body.paused is not None or body.schedules is not None:
        sync_agents(tenant_id, tenants, agents)
    return view(changed)


def delete_agent(tenant_id: str, agent_id: str, tenants: TenantStore, agents: AgentStore) -> JSON:
    """Delete an agent; the default agent is paused, not deleted (409)."""
    if agent_id == DEFAULT_AGENT_ID:
        raise Conflict("the default agent cannot be deleted: pause it instead")
    if not agents.delete(tenant_id, agent_id):
        raise NotFound("this workspace has no agent of that id")
    sync_agents(tenant_id, tenants, agents)
    return {"agent_id": agent_id, "deleted": True}


def paused(tenant_id: str, agent_id: str | None, agents: AgentStore) -> str:
    """Why a run of ``agent_id`` (None: the default agent) starts nothing: it is paused, or it was
    deleted since its trigger was queued; "" when it runs."""
    found = agents.get(tenant_id, agent_id or DEFAULT_AGENT_ID)
    if found is None:
        return "the agent was deleted" if agent_id else ""
    return f"the agent {found.name!r} is paused" if found.paused else ""


def ensure_default_instructions(tenant: Tenant, notion: TenantNotion, agents: AgentStore) -> Agent | None:
    """The default agent's instructions page under the home's page, made once (``POST /home``, at
    onboarding): kept if it is still there, else made with the default instructions."""
    parent = tenant.home.parent_page_id if tenant.home is not None else ""
    if not parent:
        return None
    agent = agent_of(tenant.tenant_id, DEFAULT_AGENT_ID, agents)
    if agent.instructions_page_id:
        try:
            if not notion.retrieve_page(agent.instructions_page_id).get("in_trash"):
                return agent
        except PermanentError as exc:
            if getattr(exc, "status", None) != 404:
                raise
    page_id, url = _write_page(notion, parent, agent.name, DEFAULT_INSTRUCTIONS)
    update = {"instructions_page_id": page_id, "instructions_url": url, "updated_at": datetime.now(UTC)}
    made = _accept_as_read(notion, agent.model_copy(update=update))
    return agents.update(
        tenant.tenant_id, agent.agent_id, lambda a: a.model_copy(update=update | {"accepted": made.accepted})
    )


# -- instructions ----------------------------------------------------------------------------------


def read_instructions(notion: TenantNotion, agent: Agent, page: JSON | None = None) -> Read | None:
    """The agent's instructions page as it is now (None: it has none, or it is in Notion's trash);
    ``page``: the page, retrieved already. Who edited it: the page's last editor and every block's
    creator and last editor."""
    if not agent.instructions_page_id:
        return None
    page = page or notion.retrieve_page(agent.instructions_page_id)
    if page.get("in_trash") or page.get("archived"):  # in Notion's trash: the last accepted version
        return None
    blocks = list(islice(notion.list_children(str(page["id"])), MAX_INSTRUCTION_BLOCKS))
    text = "\n".join(t for t in (nt.block_text(b) for b in blocks) if t.strip())[:MAX_INSTRUCTIONS]
    editors = [
        str(who.get("id"))
        for o in [page, *blocks]
        for who in (o.get("last_edited_by"), o.get("created_by") if o is not page else None)
        if isinstance(who, dict) and who.get("id")
    ]
    times = [str(o.get("last_edited_time")) for o in [page, *blocks] if o.get("last_edited_time")]
    edited = max((w for w in map(_when, times) if w is not None), default=None)
    return Read(text, version_of(text, edited, editors, datetime.now(UTC)))


def _unchanged(accepted: InstructionsVersion, page: JSON) -> bool:
    """Whether the page is as ``accepted`` read it: in no trash, last edited when that version was,
    and that version read long enough after (``InstructionsVersion.settled``)."""
    if page.get("in_trash") or page.get("archived") or not accepted.settled():
        return False
    return _when(str(page.get("last_edited_time") or "")) == accepted.edited_at


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def instructions_view(tenant: Tenant, agent: Agent, notion: TenantNotion) -> JSON:
    """The instructions as the page holds them now, the version a run would use, and whether the
    owner must accept the page's version first."""
    try:
        read = read_instructions(notion, agent)
    except PermanentError as exc:  # the page deleted or closed to us: the last accepted version is used
        log.info("agent %s: its instructions page could not be read: %s", agent.agent_id, exc.reason)
        read = None
    usable = _usable(tenant, agent, read)
    current = read.version.model_dump(mode="json") | {"text": read.text} if read else None
    return {
        "agent_id": agent.agent_id,
        "page_id": agent.instructions_page_id or None,
        "url": agent.instructions_url or None,
        "current": current,
        "used": usable.version.model_dump(mode="json") if usable.version else None,
        "needs_acceptance": read is not None
        and not usable.owners
        and (agent.accepted is None or agent.accepted.content_hash != read.version.content_hash),
    }


def _usable(tenant: Tenant, agent: Agent, read: Read | None) -> Usable:
    if read is None:  # no page: the accepted text, or none (the default agent's goal as before)
        return Usable(agent.accepted, owners=True)
    return usable_version(read, agent.accepted, tenant.owner_user_id, tenant.bot_id)


def accept_instructions(
    tenant_id: str,
    agent_id: str,
    content_hash: str,
    *,
    tenants: TenantStore,
    agents: AgentStore,
    notion: TenantNotion,
) -> JSON:
    """The owner accepts the page's current version, named by its ``content_hash`` (what they read):
    a page changed since is a 409, so nobody's later edit is accepted unread."""
    tenant = tenants.get(tenant_id, fresh=True)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    agent = agent_of(tenant_id, agent_id, agents)
    read = read_instructions(notion, agent)
    if read is None:
        raise Conflict("this agent has no instructions page")
    if read.version.content_hash != content_hash:
        raise Conflict("the instructions page changed since that version: read it again, then accept")
    kept = read.version.model_copy(update={"text": read.text})
    changed = agents.update(tenant_id, agent.agent_id, lambda a: a.model_copy(update={"accepted": kept}))
    if changed is None:
        raise NotFound("this workspace has no agent of that id")
    return {"agent_id": agent.agent_id, "accepted": kept.model_dump(mode="json", exclude={"text"})}


# -- a run's agent ---------------------------------------------------------------------------------


class RunAgent(NamedTuple):
    """The agent a run is for and the instructions it uses (None: none may be used, ``why``)."""

    agent: Agent
    version: InstructionsVersion | None
    why: str = ""

    @property
    def text(self) -> str:
        return self.version.text if self.version is not None else ""

    def goal(self, fallback: str, *, scheduled: bool = False, slot: str = "") -> str:
        """The goal the model plans for: the instructions, then what started this run (``fallback``,
        or its routine: its schedule's time, or Run now, by its trigger's ``slot``). The fallback alone
        for an agent without its own instructions (the default agent's, as before agents)."""
        text = self.text.strip()
        if not text or text == DEFAULT_INSTRUCTIONS:
            return fallback
        started = routine_started(slot) if scheduled else fallback
        tools = f"\nUse only these tools: {', '.join(self.agent.tools)}." if self.agent.tools else ""
        return f"{nt.clip(text, MAX_INSTRUCTIONS)}\n\nThis run: {started}{tools}"

    def outside_tools(self, tools: list[str]) -> list[str]:
        """The tools of a plan its agent may not use (an agent without a list may use every tool;
        the engine's own ``finish``, ``request_approval`` and ``ask_question`` always)."""
        if not self.agent.tools:
            return []
        allowed = {*self.agent.tools, *ALWAYS_ALLOWED}
        return [t for t in tools if t not in allowed]

    def recorded(self) -> dict[str, Any]:
        """What ``run_planned`` records of it: the agent and the instructions' version."""
        version = self.version
        return {
            "agent_id": self.agent.agent_id,
            "agent_name": self.agent.name,
            "instructions_hash": version.content_hash if version else "",
            "instructions_edited_at": version.edited_at if version else None,
            "run_budget_usd": self.agent.max_cost_per_run_usd,
            "reach_read": [plain_notion_id(i) for i in self.agent.reach.read],
            "reach_change": [plain_notion_id(i) for i in self.agent.reach.change],
            "reach_trackers": list(self.agent.reach.trackers),
            "model_tier": "" if self.agent.model_tier == "standard" else self.agent.model_tier,
            "reports_to": "" if self.agent.reports_to == "runs_row" else self.agent.reports_to,
            "review": "" if self.agent.review == "off" else self.agent.review,
            "review_against": nt.clip(self.text, MAX_INSTRUCTIONS) if self.agent.review != "off" else "",
        }


def chosen(tenant_id: str, agent_id: str | None, comment: str, agents: AgentStore) -> Agent:
    """The agent a run is for: the task's, else the one a comment names, else the default."""
    every = agents_of(tenant_id, agents)
    if agent_id:
        found = next((a for a in every if a.agent_id == agent_id), None)
        if found is None:
            raise NotFound("the run's agent was deleted")
        return found
    named = named_in([a for a in every if not a.is_default], comment) if comment else None
    return named or next((a for a in every if a.is_default), every[0])


def for_plan(
    tenant: Tenant, agent_id: str | None, comment: str, agents: AgentStore, notion: TenantNotion
) -> RunAgent:
    """The agent a run being planned is for (:func:`chosen`) and the instructions it uses; none when
    the agent is paused (the run then ends, saying so)."""
    agent = chosen(tenant.tenant_id, agent_id, comment, agents)
    if agent.paused:
        return RunAgent(agent, None, f"the agent {agent.name!r} is paused")
    return for_run(tenant, agent, notion, agents)


def for_run(tenant: Tenant, agent: Agent, notion: TenantNotion, agents: AgentStore) -> RunAgent:
    """The instructions ``agent``'s run uses now: the page's version when the owner wrote it (kept
    as accepted) or accepted it; else the last accepted one; else none, saying why. A page that
    cannot be read (deleted, closed to us): the last accepted version."""
    accepted = agent.accepted
    try:
        page = notion.retrieve_page(agent.instructions_page_id) if agent.instructions_page_id else None
        if page is not None and accepted is not None and _unchanged(accepted, page):
            return RunAgent(agent, accepted)  # one Notion read, not two
        read = read_instructions(notion, agent, page)
    except PermanentError as exc:
        if agent.accepted is None and not agent.is_default:
            return RunAgent(agent, None, f"the agent's instructions page could not be read: {exc.reason}")
        return RunAgent(agent, agent.accepted)
    usable = _usable(tenant, agent, read)
    if usable.owners and read is not None and usable.version is not None:
        kept = usable.version
        new = accepted is None or accepted.content_hash != kept.content_hash
        if new or (accepted is not None and not accepted.settled() and kept.settled()):
            agents.update(tenant.tenant_id, agent.agent_id, lambda a: a.model_copy(update={"accepted": kept}))
    if usable.why:
        log.warning(
            "agent %s: %s", agent.agent_id, usable.why, extra={"fields": {"tenant": tenant.tenant_id}}
        )
    return RunAgent(agent, usable.version, usable.why if usable.version is None else "")
