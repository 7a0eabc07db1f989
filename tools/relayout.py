"""The move of ``shared/`` into one package per capability (decision 0080), as a re-runnable script.

The tables below are the record of the moves: :data:`MODULES` (old module → new module) and
:data:`TESTS` (old test file → new test file); :data:`SYMBOLS` says where the names of a module that
was split afterwards went (old module → name → new module). Run on a tree (``python tools/relayout.py``)
it

1. ``git mv``s every file still at an old path (a package's ``__init__.py`` and its data files);
2. writes an ``__init__.py`` (from :data:`PACKAGES`) into each new package that has none;
3. rewrites every reference to an old module in the tracked ``.py``, ``.toml``, ``.md``, ``.mk``,
   ``Makefile``, ``.yaml``, ``.yml``, ``.cfg``, ``.ini``, ``.tf`` and ``.txt`` files: imports (``from
   shared.domain import runs`` included), dotted names in strings (``mock.patch`` targets,
   ``importlib`` names, ``monkeypatch`` paths, import-linter contracts) and file paths
   (``shared/domain/runs.py``); a name of a split module is sent to the module that holds it now;
4. sorts the imports and formats the Python files it changed (ruff), and
5. lists the modules left in the old folders that no row names (new code added at an old path by a
   branch merged after the move), and the names still imported from a split module that is gone (a
   :data:`SYMBOLS` row without a file: ``tests.fakes``) that no row sends on: give each a row and run
   it again. A split module is removed by hand once the script has moved every name out of it.

Running it twice changes nothing. ``--check`` changes nothing and exits 1 when something would change.
The files in :data:`KEEP_TEXT` keep their prose (``docs/api/openapi.json`` is generated from their
docstrings and stays byte for byte as it was): only their import statements are rewritten.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The capabilities (decision 0080), bottom to top: a package may use the ones before it, never one after.
PACKAGES: dict[str, str] = {
    "shared.platform": "The platform every capability stands on: settings, logs, errors, topology, the "
    "task envelope, the model's plumbing, and the Firestore, Cloud Tasks and Secret Manager adapters.",
    "shared.platform.domain": "The platform's values: records, ids, signed tokens, task bodies, model calls.",
    "shared.platform.services": "The platform's use cases: dead letters, the doctor's checks, api paces.",
    "shared.platform.adapters": "The platform's adapters: Firestore, Cloud Tasks, Secret Manager, Vertex AI.",
    "shared.workspace": "A connected workspace (tenant): its record, settings, members and roles, "
    "trigger rules and integrations' records, and the store that keeps them.",
    "shared.workspace.domain": "The workspace's values: the tenant, its settings, members, triggers.",
    "shared.workspace.domain.connecting": "Connecting a workspace: who may (the sign-up policy), Notion's "
    "OAuth grant, and the tenant's identity, token secret and OAuth state.",
    "shared.workspace.adapters": "The tenant store: Firestore, and the instance's cache over it.",
    "shared.notify": "Notifications: what to tell whom, through which channel (a page comment, Slack, "
    "Discord, email), at most once, and the signed links a mail carries.",
    "shared.notify.domain": "Notifications' values: records, channels, the notify task.",
    "shared.notify.services": "Delivering a notification, confirming an address, minting a link.",
    "shared.notify.adapters": "Slack, Discord, SMTP, the notification log and the outbox.",
    "shared.team": "The team: sessions, API keys, the audit log, invitations and the owner's settings.",
    "shared.team.domain": "The team's values: API keys and audit entries.",
    "shared.team.services": "Sessions, API keys, the audit log, the team, settings and integrations.",
    "shared.team.adapters": "The API keys' and the audit log's Firestore stores.",
    "shared.notion": "Notion: the client, reading and writing pages (blocks, Markdown), the agent's "
    "home in a workspace, and connecting a workspace.",
    "shared.notion.domain": "Notion's values: blocks, Markdown, and the text the agent reads of a page.",
    "shared.notion.services": "Access to a tenant's Notion, its agent's home, reading a page, connecting.",
    "shared.notion.adapters": "Notion's API through notion-client.",
    "shared.code": "Code: GitHub pull requests and Vercel deployments, for the deploy function.",
    "shared.code.domain": "Code's values: changes, pull requests, deployments.",
    "shared.code.services": "What the deploy function's tools use: the hosts and the tenant's tokens.",
    "shared.code.adapters": "GitHub and Vercel.",
    "shared.runs": "A run as recorded: its state and log, limits and spend, the intake that starts "
    "one from a Notion event, the tasks that move it, and the run store.",
    "shared.runs.domain": "A run's values: state, events, digest, limits, rows, intake, task bodies.",
    "shared.runs.services": "Intake, spend, a run's view and listing, alerts, the Runs rows index.",
    "shared.runs.adapters": "The run store: Firestore.",
    "shared.tools": "The agent's tools (the tool catalogue): Notion, memory, code, flow and fan-out.",
    "shared.agents": "Agents: instructions, routines, maps, hand-offs, and the daily schedule, digest "
    "and day plan.",
    "shared.agents.domain": "Agents' values: an agent, the daily digest, the day plan, their tasks.",
    "shared.agents.services": "Agents, the daily schedule, the daily digest and the day plan's page.",
    "shared.agents.adapters": "The agents' Firestore store.",
    "shared.memory": "Workspace memory: passages, the index, search, Ask, and the embedders.",
    "shared.memory.domain": "Memory's values: passages and ranking.",
    "shared.memory.services": "Indexing a workspace, searching it, asking it.",
    "shared.memory.adapters": "The passage store and the embedders (local and Vertex AI).",
    "shared.engine": "The engine that moves a run: planning, steps, follow-ups, people in the loop, "
    "the run log, the Runs rows and the sweeper.",
    "shared.engine.agent": "The model's side of a run: its context, its plans, what it may do alone.",
    "shared.engine.services": "Stepping, the engine, follow-ups, approvals, the run log, rows, the sweeper.",
    "functions.tasks": "What the task functions share: who may call them, the doctor's hop, a step's answer.",
    "functions.routes.runs_api": "The api's routes of runs: listing, actions, approvals, usage.",
    "functions.routes.team_api": "The api's routes of the team: members, sessions, keys, audit, settings, integrations.",
    "functions.routes.agents_api": "The api's routes of agents.",
    "functions.routes.notion_api": "The api's routes of Notion: the connection and the agent's home.",
    "functions.routes.memory_api": "The api's routes of memory: Ask.",
    "functions.routes.notify_api": "The api's routes of notifications.",
    "functions.routes.platform_api": "The api's routes of the platform: the doctor's checks.",
}


def _rows(cap: str, layer: str, old_package: str, names: str) -> dict[str, str]:
    new = ".".join(p for p in ("shared", cap, layer) if p)
    return {f"{old_package}.{n}": f"{new}.{n}" for n in names.split()}


# old module → new module. A package's row moves its __init__.py and its data files (prompts).
MODULES: dict[str, str] = {
    # platform
    **{
        f"shared.{n}": f"shared.platform.{n}"
        for n in ["config", "errors", "logs", "topology", "task_pacing", "ports"]
    },
    **_rows(
        "platform",
        "domain",
        "shared.domain",
        "schema ids signed_tokens model_calls model_replies embeddings dead_letters",
    ),
    "shared.domain.tasks": "shared.platform.domain.tasks",
    "shared.domain.tasks.doctor": "shared.platform.domain.doctor_task",
    "shared.domain.tasks.index": "shared.platform.domain.index_task",
    **_rows(
        "platform",
        "adapters",
        "shared.adapters",
        "firestore_docs cloud_tasks secret_manager local_secrets tls rest loopback pacing "
        "firestore_paces vertex_model offline_model firestore_dead_letters firestore_doctor",
    ),
    **_rows("platform", "services", "shared.services", "dead_letters doctor api_limits"),
    "shared.agent.prompts": "shared.platform.prompts",
    # workspace
    **_rows(
        "workspace",
        "domain",
        "shared.domain",
        "tenants settings settings_input triggers members agent_home integrations daily code_names "
        "connection signup notion_grant skipped_edits",
    ),
    **_rows("workspace", "adapters", "shared.adapters", "firestore_tenants cached_tenants firestore_erasure"),
    "shared.services.erasure": "shared.notion.services.erasure",  # beside connect: its undoing
    # notify
    "shared.domain.notifications": "shared.notify.domain.notifications",
    "shared.domain.tasks.notify": "shared.notify.domain.notify_task",
    **_rows("notify", "adapters", "shared.adapters", "discord slack smtp outbox firestore_notifications"),
    **_rows(
        "notify", "services", "shared.services", "notifications delivery channels email_confirmation links"
    ),
    # team
    **_rows("team", "domain", "shared.domain", "api_keys audit"),
    **_rows("team", "adapters", "shared.adapters", "firestore_api_keys firestore_audit"),
    **_rows(
        "team", "services", "shared.services", "sessions api_keys audit team integrations tenant_settings"
    ),
    # notion
    **_rows("notion", "domain", "shared.domain", "blocks markdown notion_markdown"),
    "shared.agent.tools.notion_text": "shared.notion.services.notion_text",
    "shared.adapters.notion": "shared.notion.adapters.notion",
    **_rows("notion", "services", "shared.services", "agent_home notion_access page_read connect"),
    # code
    "shared.domain.code": "shared.code.domain.code",
    **_rows("code", "adapters", "shared.adapters", "github vercel"),
    "shared.services.code_access": "shared.code.services.code_access",
    # runs
    **_rows(
        "runs",
        "domain",
        "shared.domain",
        "runs events digest authority run_limits run_rows run_search fanout page_notes notion_events",
    ),
    "shared.domain.tasks.plan": "shared.runs.domain.plan_task",
    "shared.domain.tasks.step": "shared.runs.domain.step_task",
    "shared.domain.tasks.rows": "shared.runs.domain.rows_task",
    "shared.adapters.firestore_store": "shared.runs.adapters.firestore_store",
    **_rows(
        "runs",
        "services",
        "shared.services",
        "deps webhooks run_row_index run_view runs alerts spend spend_cache",
    ),
    # tools
    "shared.agent.tools": "shared.tools",
    **_rows(
        "tools", "", "shared.agent.tools", "base notion_read notion_write notion_edit memory code flow fanout"
    ),
    # agents
    **_rows("agents", "domain", "shared.domain", "agents daily_digest day_plan"),
    "shared.domain.tasks.day_plan": "shared.agents.domain.day_plan_task",
    "shared.domain.tasks.schedule": "shared.agents.domain.schedule_task",
    "shared.domain.tasks.digest": "shared.agents.domain.digest_task",
    "shared.adapters.firestore_agents": "shared.agents.adapters.firestore_agents",
    **_rows("agents", "services", "shared.services", "agents daily_schedule daily_digest day_plan_page"),
    # memory
    **_rows("memory", "domain", "shared.domain", "passages retrieval"),
    **_rows("memory", "adapters", "shared.adapters", "firestore_passages local_embedder vertex_embedder"),
    **_rows("memory", "services", "shared.services", "workspace_index workspace_search ask"),
    # engine (planning, by concern, in its own package: shared/engine/planning/)
    "shared.services.planning": "shared.engine.planning.start",
    **_rows("engine", "agent", "shared.agent", "authority context plans"),
    **_rows(
        "engine",
        "services",
        "shared.services",
        "engine stepping followups humans page_notes run_log run_rows row_answers sweeper",
    ),
}

# functions/: what the task functions share goes to functions/tasks/; the api's route modules to one
# subpackage per capability, ``<capability>_api`` (a handler's module name, its operationId's first
# half, is kept; ``routes.runs`` could not become ``routes.runs.runs``: see the assertion below).
FUNCTIONS: dict[str, str] = {
    "functions._caller": "functions.tasks.caller",
    "functions._doctor": "functions.tasks.doctor",
    "functions._step": "functions.tasks.step",
    **{
        f"functions.routes.{name}": f"functions.routes.{cap}_api.{name}"
        for cap, names in {
            "runs": "runs run_actions approvals usage",
            "team": "team session api_keys audit settings integrations email_confirmations",
            "agents": "agents",
            "notion": "connection home workspace",
            "memory": "ask",
            "notify": "notifications",
            "platform": "doctor",
        }.items()
        for name in names.split()
    },
}
MODULES.update(FUNCTIONS)
# Moved afterwards (no folder over 15 modules): connecting a workspace in its own folder
# of the workspace's domain; the team's answer models beside the other models, as team_api's routes.
LATER: dict[str, str] = {
    **_rows("workspace", "domain.connecting", "shared.workspace.domain", "connection notion_grant signup"),
    **{
        f"functions.routes.models.{name}": f"functions.routes.models.team_api.{name}"
        for name in ["api_keys", "audit", "integrations", "session", "settings", "team"]
    },
}
MODULES = {old: LATER.get(new, new) for old, new in MODULES.items()} | LATER
# Each thing where a reader looks for it, named for what it is.
NAMED: dict[str, str] = {
    # The Notion intake, named for Notion (sync's intake is Linear's and GitLab's); GitHub's deliveries.
    "shared.runs.services.webhooks": "shared.runs.services.notion_intake",
    "shared.code.domain.webhooks": "shared.code.domain.github_events",
    # The code pipeline's tools under the code capability's name (the tools' package: they are tools).
    "shared.tools.coding": "shared.tools.code",
    "shared.tools.coding.code": "shared.tools.code.pull_request",
    **{
        f"shared.tools.coding.{n}": f"shared.tools.code.{n}"
        for n in ["files", "release", "repository", "requirements", "revision"]
    },
    # A run's state and its reducer (``fold``), named for what it holds.
    "shared.runs.domain.runs": "shared.runs.domain.state",
    # The two authority modules: the digests an approval covers, and the engine's approval gate.
    "shared.runs.domain.authority": "shared.runs.domain.approval_digests",
    "shared.engine.agent.authority": "shared.engine.agent.approvals",
    # A repository's policy is one module (the workspace's); what is left is the secret scan's findings.
    "shared.code.domain.policy": "shared.code.domain.secret_findings",
}
MODULES = {old: NAMED.get(new, new) for old, new in MODULES.items()} | NAMED
# A new module must not lie under its old name (``a.b`` → ``a.b.b``): the rewrite would not be idempotent.
assert not [old for old, new in MODULES.items() if new.startswith(old + ".")], "a new path under its old one"

# The old packages that held only moved modules: emptied, then removed.
OLD_PACKAGES = ("shared.domain", "shared.services", "shared.adapters", "shared.agent")

# Test modules by capability, named without their ``test_`` (tests mirror the packages; the tests of
# the repository itself, docs, Makefile, benchmarks' statistics, stay in tests/unit).
UNIT_TESTS: dict[str, str] = {
    "engine": (
        "agent_budget agent_tools authority budget_approval budget_replan cancel_pause_with_intent "
        "decision_claims decision_followups_resent decision_roles disconnect_held_runs "
        "edit_authority edit_effects_once engine engine_bundle engine_stale_document_ack handoff "
        "limit_grants member_runs model_unavailable offline_map offline_told paced_steps "
        "page_notes page_runs parallel_map phased_runs plan_usage_on_error planning_failures "
        "planning_last_attempt repair_cost risk_floor run_after_owner_change run_log run_log_owner "
        "run_reach run_retry run_rows run_size step_of_missing_run step_reads_document_alone "
        "step_reads_log_tail step_retry_args step_unexpected_errors step_usage_on_error "
        "sweeper_give_up sweeper_retry_at transient_retries_bounded usage_race_windows usage_races "
        "verification_pass notion_validation_errors spend_cap session_decisions approval_surfaces "
        "owner_change_runs"
    ),
    "runs": (
        "run_domain run_log_structs run_view runs run_related run_started_by golden notion_events "
        "run_admission trigger_gates webhook_late_events webhook_reenqueue row_answer_intake "
        "skipped_edits spend_budget_cache spend_cap_shares sweeper_retry_at_log alerts api_runs "
        "api_runs_console api_runs_search api_run_retry cold_paths input_edges document_ids"
    ),
    "agents": (
        "agent_instructions_reads agent_triggers agents_domain daily_catch_up daily_digest "
        "daily_planning day_plan day_plan_sources"
    ),
    "memory": ("ask passages workspace_freshness workspace_memory"),
    "tools": ("code_tool_args code_tools notion_write_args tool_catalogue tool_declarations contract_rules"),
    "notion": (
        "agent_home blocks markdown notion_calls notion_errors notion_for_tenant notion_markdown "
        "token_refresh_lease connect_unknown_outcome connection_services"
    ),
    "code": ("code_host_replies code_models code_token_freshness"),
    "notify": (
        "discord notification_outcome notification_retries notification_slack_channel_change "
        "notifications notifications_api outbox decision_links link_pages email_confirmation"
    ),
    "team": (
        "api_keys api_body_limits audit team team_invite_cap team_invite_mail team_stored "
        "session_cookie session_revocation tokens_and_sessions request_tenants integrations_api "
        "integration_races settings_api settings_validation settings_repositories "
        "signing_key_rotation usage_api"
    ),
    "workspace": (
        "connection_ownership settings_bounds trigger_checks trigger_rules rule_properties records schemas"
    ),
    "platform": (
        "config logs local_secrets pacing dead_letters api_limits caller cors router http_methods "
        "main entry_points openapi import_hygiene api_input"
    ),
}
INTEGRATION_TESTS: dict[str, str] = {
    "engine": (
        "comment_triggers deploy_steps row_answers run_size_firestore runs_rows runs_rows_bound "
        "spend_cap_firestore usage_races_firestore webhook_intake trigger_rules_flow "
        "bench_engine_runs bench_fanout_runs bench_watch_runs bench_triggers_runs"
    ),
    "runs": (
        "fanout_markers_firestore firestore_query_log firestore_store sweeper_retry_at_firestore "
        "webhook_enqueued_mark_firestore webhook_fuzz page_notes cold_request_runs"
    ),
    "agents": ("agents_api day_plan_page day_plan_reads firestore_agents routines_once bench_daily_runs"),
    "memory": ("embedders workspace_index bench_rag_runs"),
    "tools": ("code_tool_args_flow markdown_writes notion_edits"),
    "notion": (
        "agent_home_api notion_adapter notion_sandbox token_refresh_race connect_flow "
        "tls_verification bench_notion_runs"
    ),
    "code": ("code_host_adapters"),
    "notify": ("discord_adapter notification_retries notify_live slack_adapter smtp_adapter"),
    "team": ("api_limits_shared firestore_api_keys firestore_audit settings_limits"),
    "workspace": ("connection_ownership_firestore firestore_tenants signup_policy"),
    "platform": (
        "cloud_run_front cloud_tasks_adapter doctor_checks document_ids firestore_dead_letters "
        "secret_manager tasks_emulator vertex_model"
    ),
}


def _test_rows() -> dict[str, str]:
    rows = {}
    for folder, table in (("tests/unit", UNIT_TESTS), ("tests/integration", INTEGRATION_TESTS)):
        for cap, names in table.items():
            for name in names.split():
                rows[f"{folder}/test_{name}.py"] = f"{folder}/{cap}/test_{name}.py"
    rows["tests/unit/tool_catalogue.txt"] = "tests/unit/tools/tool_catalogue.txt"  # test_tool_catalogue's
    return rows


# old test file → new test file (tests mirror the capabilities).
TESTS: dict[str, str] = _test_rows()

# Moved afterwards (no tests' folder over 15 modules): the engine's unit tests by
# concern, each concern a folder of tests/unit/engine (the few about the engine as a whole stay there).
ENGINE_TESTS: dict[str, tuple[str, str]] = {
    "planning": (
        "Planning a run: what starts one, the plan's phases, the agent's tools, when planning fails.",
        "agent_tools budget_replan model_unavailable offline_map offline_told page_runs phased_runs "
        "planning_failures planning_last_attempt",
    ),
    "decisions": (
        "A person's decisions on a run: approvals, answers, budget stops, cancel, pause and retry.",
        "approval_surfaces budget_approval cancel_pause_with_intent decision_claims "
        "decision_followups_resent decision_roles disconnect_held_runs limit_grants run_retry "
        "session_decisions",
    ),
    "authority": (
        "What a run may do unasked, and for whom: the authority rules, the risk floor, a run's reach, "
        "members' runs and a change of owner.",
        "authority edit_authority member_runs owner_change_runs risk_floor run_after_owner_change run_reach",
    ),
    "steps": (
        "Carrying out a step: its intent and retries, Notion's refusals and pace, the reviewer pass.",
        "edit_effects_once engine_stale_document_ack notion_validation_errors paced_steps "
        "step_of_missing_run step_reads_document_alone step_reads_log_tail step_retry_args "
        "step_unexpected_errors transient_retries_bounded verification_pass",
    ),
    "spend": (
        "What a run pays for: every paid model call in its log, the budgets and the spend cap.",
        "agent_budget plan_usage_on_error repair_cost spend_cap step_usage_on_error usage_race_windows "
        "usage_races",
    ),
    "run_log": (
        "What a run records: its log, its Runs row, its page's notes, its size, and the sweeper.",
        "page_notes run_log run_log_owner run_rows run_size sweeper_give_up sweeper_retry_at",
    ),
}
# The runs' unit tests likewise (the run's domain, its log's models and the golden documents stay at top).
RUNS_TESTS: dict[str, tuple[str, str]] = {
    "api": (
        "The api's routes of runs: listing, searching and reading runs, retrying them, their lineage.",
        "api_run_retry api_runs api_runs_console api_runs_search run_related run_started_by run_title run_view",
    ),
    "intake": (
        "Notion's events in: what starts a run, the trigger gates, admission, late and re-sent events.",
        "notion_events row_answer_intake run_admission skipped_edits trigger_gates webhook_api_version "
        "webhook_late_events webhook_reenqueue",
    ),
    "spend": (
        "The budgets before a model call: reservations, the instance's cache and its share of the cap.",
        "budget_reservations spend_budget_cache spend_cap_shares",
    ),
}
# And the team's (its API keys, audit log, usage and body limits stay at top).
TEAM_TESTS: dict[str, tuple[str, str]] = {
    "sessions": (
        "Sessions: the console's cookie, their end with the connection, the signing key's rotation.",
        "request_tenants session_cookie session_revocation signing_key_rotation tokens_and_sessions",
    ),
    "settings": (
        "The owner's settings and integrations through the api: what they accept, changes at once.",
        "integration_races integrations_api settings_api settings_repositories settings_validation",
    ),
    "members": (
        "The team: invites (capped, mailed), members and their roles, a tenant stored before teams.",
        "team team_invite_cap team_invite_mail team_stored",
    ),
}
# And the platform's (settings, logs, pacing, secrets and the model's routing stay at top).
PLATFORM_TESTS: dict[str, tuple[str, str]] = {
    "api": (
        "The api's plumbing: its router, input checks, paces, CORS, methods and its contract.",
        "api_input api_limits cors http_methods openapi router",
    ),
    "entry": (
        "The functions' entry points: targets, cold-start imports, the callers' checks, dead letters.",
        "caller dead_letters entry_points import_hygiene main",
    ),
}
BY_CONCERN = {"engine": ENGINE_TESTS, "runs": RUNS_TESTS, "team": TEAM_TESTS, "platform": PLATFORM_TESTS}
PACKAGES.update(
    {
        f"tests.unit.{cap}.{concern}": doc
        for cap, table in BY_CONCERN.items()
        for concern, (doc, _) in table.items()
    }
)
LATER_TESTS: dict[str, str] = {
    f"tests/unit/{cap}/test_{name}.py": f"tests/unit/{cap}/{concern}/test_{name}.py"
    for cap, table in BY_CONCERN.items()
    for concern, (_, names) in table.items()
    for name in names.split()
}
TESTS = {old: LATER_TESTS.get(new, new) for old, new in TESTS.items()} | LATER_TESTS

# A split module's names: old module → name → the module that holds it now.
PORTS_BY_CAPABILITY = {
    "runs": "RunStore",
    "memory": "Embedder PassageStore Memory",
    "notify": "Notifier NotificationChannel LinkMinter NotificationLog Chat ChatWebhooks Mailer",
    "workspace": "TenantStore OAuthStateStore InviteStore WebhookEventLedger ErasureStore",
    "team": "ApiKeyStore AuditLog",
    "agents": "AgentStore",
    "notion": "NotionOAuth NotionClient TenantNotion",
    "code": "CodeHost Deployer CodeAccess",
}
SYMBOLS: dict[str, dict[str, str]] = {
    # shared/ports.py: each capability declares its ports (shared/<capability>/ports.py); the platform's
    # (TaskQueue, SecretStore, Model, PaceCounters, DeadLetterStore, DoctorChecks) stayed.
    "shared.platform.ports": {
        name: f"shared.{cap}.ports" for cap, names in PORTS_BY_CAPABILITY.items() for name in names.split()
    },
    # What the tenant store keeps of a day plan, named by the workspace's port.
    "shared.agents.domain.day_plan": {
        "Kept": "shared.workspace.domain.day_plans",
        "KEPT": "shared.workspace.domain.day_plans",
    },
    # A routine's schedule is a workspace value: the tenant keeps a copy of its agents' (decision 0081).
    "shared.agents.domain.agents": {
        "Schedule": "shared.workspace.domain.triggers",
        "WEEKDAYS": "shared.workspace.domain.triggers",
        "Weekday": "shared.workspace.domain.triggers",
    },
    # The record of a skipped edit is built by the intake, from its event.
    "shared.workspace.domain.skipped_edits": {"skipped_edit": "shared.runs.domain.notion_events"},
    # The answers of the mailed links' routes, beside the link's other models.
    "functions.routes.models.links": {
        name: "functions.routes.models"
        for name in ["LinkPreview", "LinkDecided", "ConfirmationPreview", "Confirmed"]
    },
    # How a row of the api's route table is made and checked, apart from the rows.
    "functions.routes.table": {
        name: "functions.routes.rows"
        for name in ["handlers_of", "check", "route", "mailed_link", "operator_route"]
    },
    # Planning by concern: the task being planned, does it start anything, what the
    # plan is told, asking the model, replanning; shared.engine.planning.start keeps start_run.
    "shared.engine.planning.start": {
        "Planning": "shared.engine.planning.request",
        "notion_context": "shared.engine.planning.context",
        "people_of": "shared.engine.planning.context",
        "Attempts": "shared.engine.planning.model",
        "Asked": "shared.engine.planning.model",
        "plan_events": "shared.engine.planning.model",
    },
    # A step being carried out, and the outcomes it tells apart, apart from carrying it out.
    "shared.engine.services.stepping": {
        name: "shared.engine.services.step_state"
        for name in ["Stale", "NeedsApproval", "OverBudget", "Recorder", "step_key", "Step", "next_phase"]
    },
    # Disconnecting a workspace is a use case of its own.
    "shared.notion.services.connect": {"disconnect": "shared.notion.services.disconnect"},
    # A decision outside the api is recorded by the engine, which holds the run.
    "shared.team.services.audit": {"record_decision": "shared.engine.services.humans"},
    # Fakes beside their capabilities. tests/fakes.py, tests/engine_fakes.py and
    # tests/api_fakes.py were split, each name to tests/support/<capability>/, the capability of the
    # port it stands in for (the model and the queue: the platform's; FakeContainer: the entry points').
    **{
        old: {name: f"tests.support.{new}" for new, names in rows.items() for name in names.split()}
        for old, rows in {
            "tests.fakes": {
                "platform.platform_fakes": "FakeQueue FakeSecrets FakePaces FakeDeadLetters",
                "runs.run_store": "FakeRunStore PageClaim",
                "notify.notify_fakes": "FakeNotifier FakeNotificationLog FakeChat FakeChatWebhooks FakeMailer",
                "workspace.workspace_fakes": "FakeTenantStore FakeOAuthStates FakeInvites FakeWebhookEvents",
                "team.team_fakes": "FakeApiKeys FakeAudit",
                "agents.agent_fakes": "FakeAgents",
                "notion.notion_fakes": "FakeNotionOAuth no_held_runs",
                "code.code_fakes": "UnfakedCodeChecks UnfakedReleases FakeCodeAccounts",
            },
            "tests.engine_fakes": {
                "platform.platform_fakes": "FakeModel Answer",
                "notion.notion_fakes": "FakeNotion WithToken PERSON answered asking nt_plain",
                "workspace.workspace_fakes": "connected_tenants",
                "engine.engine_fakes": "plan_answer FINISH_PLAN make_deps raise_budget run_step_as_owner "
                "owner_approved",
            },
            "tests.api_fakes": {
                "platform.fake_container": "FakeContainer fakes client json_body PLAN_BODY",
            },
        }.items()
    },
}

# The names of a module split by job, where each went.
SYMBOLS_NAMED: dict[str, dict[str, str]] = {
    # A step being carried out keeps ``Step``; the model as its tools see it, and the outcomes a step
    # tells apart (and the approval request it records), each in its own module.
    "shared.engine.services.step_state": {
        **{n: "shared.engine.services.model_recorder" for n in ["Recorder", "_kind"]},
        **{
            n: "shared.engine.services.step_outcomes"
            for n in ["Stale", "NeedsApproval", "OverBudget", "BEFORE_CHARS", "once", "kept_base"]
        },
    },
    # A repository's policy and its checks of a change, in one module (the workspace's: its settings
    # hold the policy, and the workspace is below code).
    "shared.code.domain.secret_findings": {
        n: "shared.workspace.domain.code_policy"
        for n in [
            "DEPENDENCY_FILES",
            "sensitive_kind",
            "path_allowed",
            "policy_problems",
            "outside_auto_merge",
        ]
    },
}
for _module, _names in SYMBOLS_NAMED.items():
    SYMBOLS.setdefault(_module, {}).update(_names)


def _holder(module: str, name: str) -> str | None:
    """Where ``module``'s ``name`` is now, following a name moved more than once (None: not moved)."""
    holder = SYMBOLS.get(module, {}).get(name)
    while holder is not None and (further := SYMBOLS.get(holder, {}).get(name)) not in (None, holder):
        holder = further
    return holder


# A module imported by its name (``from shared.engine.agent import authority``) whose name changed is
# imported by its new one, and the file's uses follow (``authority.gated`` → ``approvals.gated``), for the
# modules named here; any other keeps its old name as an alias (``import secret_findings as policy``).
RENAMED_LEAVES = (
    "shared.runs.services.webhooks",
    "shared.code.domain.webhooks",
    "shared.engine.agent.authority",
    "shared.runs.domain.authority",
    "shared.tools.coding.code",
)

# Identifier renames: where → {old: new}, each old name matched whole (not within a
# longer name). ``where`` is a package (the files that import a module of it) or a path (a folder's
# files, or one file). The files of :data:`KEEP_NAMES` and :data:`KEEP_TEXT` keep their names.
NAMES: dict[str, dict[str, str]] = {
    # The sync's fields serve Linear, GitLab and Motion alike: named for the tool, whichever it is.
    "shared.sync": {"linear_seen": "tool_seen", "linear_at": "tool_at", "to_linear": "to_tool"},
    # The container's Discord client (a port of the composition root), named for Discord.
    "shared.bootstrap": {'"webhooks"': '"discord"', "_build_webhooks": "_build_discord"},
    "shared/bootstrap/": {
        '"webhooks"': '"discord"',
        "self.webhooks": "self.discord",
        "webhooks: Built[": "discord: Built[",
    },
    # The tool registry names each tool's module by its last name: the pull request's is ``pull_request``.
    "shared/tools/__init__.py": {'"code"': '"pull_request"'},
    "shared/engine/services/model_recorder.py": {
        'TOOL_MODULES.get(s.tool) == "code"': 'TOOL_MODULES.get(s.tool) == "pull_request"'
    },
    # The run services' module names (a stem is a module's file name).
    "tests/unit/engine/run_log/test_run_log_owner.py": {
        '"webhooks"': '"notion_intake"',
        '"domain" / "runs.py"': '"domain" / "state.py"',
    },
    # A path built of its parts, which the path rows do not see.
    "tests/infra/monitoring/test_monitoring.py": {
        '"services" / "webhooks.py"': '"services" / "notion_intake.py"',
        "webhooks = ast.parse(": "intake = ast.parse(",
        "ast.walk(webhooks)": "ast.walk(intake)",
    },
}
# Where a stored document's old field names are read (decision 0150): they stay spelt there.
KEEP_NAMES = (
    "shared/sync/domain/connection.py",
    "tests/integration/sync/test_stored_field_names.py",
    "tests/unit/sync/test_sync_log_names.py",
)


def _name_pattern(old: str) -> re.Pattern[str]:
    head = r"(?<!\w)" if re.match(r"\w", old) else ""
    tail = r"(?!\w)" if re.search(r"\w$", old) else ""
    return re.compile(head + re.escape(old) + tail)


def _imports(text: str, package: str) -> bool:
    """Whether ``text`` imports a module of ``package`` (``from shared import bootstrap`` included)."""
    for m in re.finditer(
        r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+([^\n]*)|import[ \t]+([\w.]+))", text, re.M
    ):
        module = m[1] or m[3]
        names = re.findall(r"\w+", m[2] or "") if m[1] else []
        for found in (module, *(f"{module}.{n}" for n in names)):
            if found == package or found.startswith(package + "."):
                return True
    return False


def rename_names(path: str, text: str) -> str:
    """The :data:`NAMES` renames that apply to the file at ``path``."""
    if path in KEEP_NAMES or any(path == k or (k.endswith("/") and path.startswith(k)) for k in KEEP_TEXT):
        return text
    for where, names in NAMES.items():
        if "/" in where:
            if not (path == where or (where.endswith("/") and path.startswith(where))):
                continue
        elif not (path.endswith((".py", ".pyi")) and _imports(text, where)):
            continue
        for old, new in names.items():
            text = _name_pattern(old).sub(new, text)
    return text


# Files whose prose stays as it is (only their imports are rewritten).
KEEP_TEXT = (
    "docs/api/openapi.json",
    "functions/routes/models/",
    # The records of the moves name the old modules on purpose.
    "docs/relayout.md",
    "docs/decisions/0150-each-thing-where-a-reader-looks-for-it.md",
)

SUFFIXES = (".py", ".toml", ".md", ".mk", ".yaml", ".yml", ".cfg", ".ini", ".tf", ".txt", ".pyi")


def _file(module: str, package: bool) -> str:
    path = module.replace(".", "/")
    return f"{path}/__init__.py" if package else f"{path}.py"


def _is_package(module: str) -> bool:
    """A row names a package when any other row's old module lies under it."""
    return any(m.startswith(module + ".") for m in MODULES) or module in ("shared.agent.prompts",)


def _stays_package(old: str) -> bool:
    """A package whose new module keeps modules beneath it, or data files: it moves as a folder.
    Otherwise its ``__init__.py`` becomes a module (``shared/domain/tasks/__init__.py`` →
    ``shared/platform/domain/tasks.py``)."""
    new = MODULES[old]
    return any(v.startswith(new + ".") for v in MODULES.values()) or old == "shared.agent.prompts"


def _all_modules() -> dict[str, str]:
    """Every module row, tests included (a test module ``tests.unit.test_x`` moves with its file)."""
    rows = {k: v for k, v in MODULES.items() if k != v}
    for old, new in TESTS.items():
        rows[old[: -len(".py")].replace("/", ".")] = new[: -len(".py")].replace("/", ".")
    return rows


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def _moves() -> list[tuple[str, str]]:
    """(old file, new file) for every file a row moves: a module, a package's __init__.py and the
    data files beside it (not its submodules: each has its own row)."""
    out: list[tuple[str, str]] = []
    for old, new in MODULES.items():
        if old == new:
            continue
        if _is_package(old):
            old_dir, new_dir = old.replace(".", "/"), new.replace(".", "/")
            if not _stays_package(old):
                out.append((f"{old_dir}/__init__.py", f"{new_dir}.py"))
                continue
            out.append((f"{old_dir}/__init__.py", f"{new_dir}/__init__.py"))
            for f in sorted((ROOT / old_dir).glob("*")) if (ROOT / old_dir).is_dir() else []:
                if f.is_file() and f.suffix not in (".py", ".pyc"):
                    out.append((f"{old_dir}/{f.name}", f"{new_dir}/{f.name}"))
        else:
            out.append((_file(old, False), _file(new, False)))
    out.extend(TESTS.items())
    return out


def move_files(dry: bool) -> list[str]:
    done = []
    for old, new in _moves():
        src, dst = ROOT / old, ROOT / new
        if not src.exists():
            continue
        if dst.exists():
            raise SystemExit(f"relayout: both {old} and {new} exist: merge them by hand, then run again")
        done.append(f"{old} -> {new}")
        if not dry:
            dst.parent.mkdir(parents=True, exist_ok=True)
            _git("mv", old, new)
            _deepen(dst, new.count("/") - old.count("/"))
    return done


_PARENTS = re.compile(r"(Path\(__file__\)(?:\.resolve\(\))?\.parents\[)(\d+)(\])")


def _deepen(path: Path, levels: int) -> None:
    """A moved test's ``Path(__file__).parents[n]`` (the repository, ``tests/golden``) still names
    the folder it named: ``n`` grows by the levels the file went down."""
    if levels == 0 or path.suffix != ".py":
        return
    text = path.read_text()
    new = _PARENTS.sub(lambda m: f"{m[1]}{int(m[2]) + levels}{m[3]}", text)
    if new != text:
        path.write_text(new)


def write_packages(dry: bool) -> list[str]:
    """An ``__init__.py`` with its docstring in each new package (and each new tests folder)."""
    done = []
    packages = {m.rsplit(".", 1)[0] for m in MODULES.values()} | set(PACKAGES)
    packages |= {str(Path(new).parent).replace("/", ".") for new in TESTS.values()}
    for package in sorted(packages):
        parts = package.split(".")
        for i in range(2, len(parts) + 1):
            pkg = ".".join(parts[:i])
            init = ROOT / pkg.replace(".", "/") / "__init__.py"
            if init.exists() or any(v == pkg for v in MODULES.values()):
                continue
            doc = PACKAGES.get(pkg) or f"The tests of ``shared/{parts[-1]}``."
            done.append(str(init.relative_to(ROOT)))
            if not dry:
                init.parent.mkdir(parents=True, exist_ok=True)
                init.write_text(f'"""{doc}"""\n')
                _git("add", str(init.relative_to(ROOT)))
    return done


def remove_old_packages(dry: bool) -> list[str]:
    """An old package left with its ``__init__.py`` alone (and caches) is removed."""
    done = []
    for pkg in OLD_PACKAGES:
        d = ROOT / pkg.replace(".", "/")
        if not d.is_dir():
            continue
        left = [p for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        if [p.name for p in left] == ["__init__.py"]:
            done.append(str(d.relative_to(ROOT)))
            if not dry:
                _git("rm", "-q", str(left[0].relative_to(ROOT)))
                subprocess.run(["rm", "-rf", str(d)], check=True)
    return done


# --- rewriting references -------------------------------------------------------------------------

_FROM = re.compile(
    r"^(?P<indent>[ \t]*)from[ \t]+(?P<module>[\w.]+)[ \t]+import[ \t]+"
    r"(?P<names>\((?:[^()]|\n)*?\)|[^\n]*?)(?P<comment>[ \t]*#[^\n]*)?$",
    re.MULTILINE,
)


def _resolve(module: str, rows: dict[str, str]) -> str:
    return rows.get(module, module)


def _renames_leaf(old: str, rows: dict[str, str]) -> bool:
    """Whether the module ``old`` is imported by its new name (:data:`RENAMED_LEAVES`, or a module
    whose row sends it to where one of them went)."""
    return old in RENAMED_LEAVES or any(rows.get(r) == rows[old] for r in RENAMED_LEAVES)


def _rewrite_from(match: re.Match[str], rows: dict[str, str], leaves: dict[str, str]) -> str:
    indent, module, names = match["indent"], match["module"], match["names"]
    comment = match["comment"] or ""
    body = names.strip()
    if body.startswith("("):
        body = body[1:-1]
    inner_comments = re.findall(r"#[^\n]*", body)
    body = re.sub(r"#[^\n]*", "", body)
    parts = [p.strip() for p in body.replace("\\\n", " ").split(",") if p.strip()]
    if not parts or "*" in parts:
        return match[0]
    base = _resolve(module, rows)
    targets: dict[str, list[str]] = {}
    changed = base != module
    for part in parts:
        name, _, alias = (x.strip() for x in part.partition(" as "))
        sub = f"{module}.{name}"
        if sub in rows:
            new = rows[sub]
            parent, leaf = new.rsplit(".", 1)
            if not alias and leaf != name and _renames_leaf(sub, rows):
                leaves[name] = leaf
            bound = alias or leaves.get(name, name)
            targets.setdefault(parent, []).append(leaf if leaf == bound else f"{leaf} as {bound}")
            changed = True
            continue
        holder = _holder(base, name) or _holder(module, name)
        if holder is not None and holder != base:
            targets.setdefault(holder, []).append(part)
            changed = True
            continue
        targets.setdefault(base, []).append(part)
    if not changed:
        return match[0]
    extra = "  " + "  ".join(inner_comments) if inner_comments else ""
    lines = []
    for i, (target, items) in enumerate(targets.items()):
        tail = (comment + extra) if i == 0 else ""
        lines.append(f"{indent}from {target} import {', '.join(items)}{tail}")
    return "\n".join(lines)


def _dotted_pattern(rows: dict[str, str]) -> re.Pattern[str] | None:
    if not rows:
        return None
    olds = sorted(rows, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(o) for o in olds) + r")(?![\w])")


def _path_rows(rows: dict[str, str]) -> dict[str, str]:
    """File forms: ``shared/domain/runs.py`` and a package's folder ``shared/domain/tasks/``."""
    out = {}
    for old, new in rows.items():
        if old.startswith("tests."):
            continue
        if _is_package(old):
            new_path = new.replace(".", "/") + ("/" if _stays_package(old) else ".py")
            out[old.replace(".", "/") + "/"] = new_path
            out[old.replace(".", "/") + "/__init__.py"] = new_path + (
                "__init__.py" if new_path.endswith("/") else ""
            )
        else:
            out[old.replace(".", "/") + ".py"] = new.replace(".", "/") + ".py"
    # The second relayout's moves stay in their capability: a path from the capability's name
    # (``runs/services/webhooks.py``, as the docs write it) moves too.
    for old, new in list(out.items()):
        module = old.removesuffix("/__init__.py").removesuffix(".py").removesuffix("/").replace("/", ".")
        if module in NAMED and old.startswith("shared/") and new.startswith("shared/"):
            out[old.removeprefix("shared/")] = new.removeprefix("shared/")
    out.update(TESTS)
    return out


def _symbol_pattern() -> re.Pattern[str] | None:
    if not SYMBOLS:
        return None
    mods = sorted(SYMBOLS, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(m) for m in mods) + r")\.(\w+)")


def rewrite_text(text: str, python: bool, prose: bool) -> str:
    rows = _all_modules()
    if python:
        leaves: dict[str, str] = {}
        text = _FROM.sub(lambda m: _rewrite_from(m, rows, leaves), text)
        for old_leaf, new_leaf in leaves.items():  # the module's uses, by its new name
            text = re.sub(rf"(?<![\w.]){re.escape(old_leaf)}(?=\.\w)", new_leaf, text)
    if not prose and python:
        # Only the import lines: ``import a.b`` forms.
        pat = _dotted_pattern(rows)
        if pat is not None:
            dotted: re.Pattern[str] = pat
            text = re.sub(
                r"^([ \t]*import[ \t]+[^\n]*)$",
                lambda m: dotted.sub(lambda n: rows[n[1]], m[1]),
                text,
                flags=re.MULTILINE,
            )
        return text
    if not prose:
        return text
    pat = _dotted_pattern(rows)
    if pat is not None:
        text = pat.sub(lambda m: rows[m[1]], text)
    paths = _path_rows(rows)
    if paths:
        ppat = re.compile(
            r"(?<![\w./-])(" + "|".join(re.escape(p) for p in sorted(paths, key=len, reverse=True)) + r")"
        )
        text = ppat.sub(lambda m: paths[m[1]], text)
    spat = _symbol_pattern()
    if spat is not None:

        def _symbol(m: re.Match[str]) -> str:
            holder = _holder(m[1], m[2])
            return f"{holder}.{m[2]}" if holder else m[0]

        text = spat.sub(_symbol, text)
        # A name by its file (``shared/engine/services/step_state.py:Recorder.generate``) likewise.
        files = {m.replace(".", "/") + ".py": m for m in SYMBOLS}
        fpat = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(f) for f in files) + r"):(\w+)")

        def _by_file(m: re.Match[str]) -> str:
            holder = _holder(files[m[1]], m[2])
            return f"{holder.replace('.', '/')}.py:{m[2]}" if holder else m[0]

        text = fpat.sub(_by_file, text)
    return text


def _tracked() -> list[str]:
    files = _git("ls-files", "-z").split("\0")
    me = str(Path(__file__).resolve().relative_to(ROOT))
    return [
        f
        for f in files
        if f and f != me and (f.endswith(SUFFIXES) or Path(f).name == "Makefile") and (ROOT / f).is_file()
    ]


def rewrite_files(dry: bool) -> list[str]:
    changed = []
    for f in _tracked():
        path = ROOT / f
        text = path.read_text()
        prose = not any(f == k or (k.endswith("/") and f.startswith(k)) for k in KEEP_TEXT)
        new = rename_names(f, rewrite_text(text, f.endswith((".py", ".pyi")), prose))
        if new != text:
            changed.append(f)
            if not dry:
                path.write_text(new)
    return changed


def tidy(files: list[str]) -> None:
    py = [f for f in files if f.endswith(".py")]
    if not py:
        return
    ruff = str(ROOT / ".venv/bin/ruff")
    subprocess.run([ruff, "check", "-q", "--select", "I", "--fix", *py], cwd=ROOT, check=False)
    subprocess.run([ruff, "format", "-q", *py], cwd=ROOT, check=False)


def unmapped() -> list[str]:
    """Modules still in an old folder that no row moves: new code at an old path."""
    left = []
    moving = {old for old, _ in _moves()}
    for pkg in OLD_PACKAGES:
        d = ROOT / pkg.replace(".", "/")
        if d.is_dir():
            for p in sorted(d.rglob("*.py")):
                f = str(p.relative_to(ROOT))
                if p.name != "__init__.py" and f not in moving:
                    left.append(f)
    return left


def stragglers() -> list[str]:
    """Imports of a name from a split module that is gone (a :data:`SYMBOLS` row whose module has no file
    left) that no row sends elsewhere: new code written against the old module by a branch merged after
    the split. Give each name a row and run it again."""
    gone = {m for m in SYMBOLS if not any((ROOT / _file(m, p)).exists() for p in (False, True))}
    left = []
    for f in _tracked():
        if not f.endswith((".py", ".pyi")):
            continue
        for match in _FROM.finditer((ROOT / f).read_text()):
            if match["module"] in gone:
                names = re.sub(r"#[^\n]*|[()\\]", " ", match["names"]).split(",")
                for name in (n.split(" as ")[0].strip() for n in names):
                    if name and name not in SYMBOLS[match["module"]]:
                        left.append(f"{f}: from {match['module']} import {name}")
    return left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything would")
    args = parser.parse_args(argv)
    dry = args.check
    moved = move_files(dry)
    made = write_packages(dry)
    changed = rewrite_files(dry)
    if not dry:
        tidy(changed)
    removed = remove_old_packages(dry)
    left = unmapped() + stragglers()
    for line in moved:
        print(f"moved   {line}")
    for line in made:
        print(f"package {line}")
    for line in changed:
        print(f"rewrote {line}")
    for line in removed:
        print(f"removed {line}")
    for line in left:
        print(f"UNMAPPED {line}: add a row to tools/relayout.py and run it again", file=sys.stderr)
    print(
        f"relayout: {len(moved)} moved, {len(made)} packages, {len(changed)} files rewritten, {len(left)} unmapped"
    )
    if left:
        return 2
    return 1 if dry and (moved or made or changed or removed) else 0


if __name__ == "__main__":
    sys.exit(main())
