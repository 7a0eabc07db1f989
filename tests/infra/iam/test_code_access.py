"""IAM follows what each function's code does: queues it enqueues to, secrets it reads or writes,
per-tenant token secrets, Vertex AI, Firestore. Least privilege both ways: no missing grant, no extra.

The calls are found in the code with ``ast`` (``<queue>.enqueue(Queue.X, ...)``,
``<...>secrets.get|put|delete(...)``, ``need_model()``); which function reaches which call site is the
table REACH below, reviewed by a person and checked for plausibility (the site's module must be
imported, directly or not, by the function's entry module). A new call site fails the test until it
is placed in REACH, and then the grants must follow.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

from tools.infra_drift import Terraform

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [*sorted((ROOT / "shared").rglob("*.py")), *sorted((ROOT / "functions").rglob("*.py"))]
FUNCTIONS = {"oauth_callback", "notion_webhook", "plan", "execute_step", "deploy", "notify", "api"}
FIRESTORE_PORTS = {
    "store",
    "tenants",
    "oauth_states",
    "webhook_events",
    "notifications",
    "api_keys",
}  # shared/bootstrap/

ENGINE = frozenset({"plan", "execute_step"})  # call Notion for a tenant (NotionAccess) and the model
NOTION_CALLERS = frozenset({*ENGINE, "notify"})  # NotionAccess: the engine, and notify's Notion comments
# Move runs on and enqueue their follow-ups: deploy too, after its GitHub/Vercel steps.
RUNS = frozenset({"plan", "execute_step", "api", "deploy"})

# Call site (file:qualified function) -> the functions whose requests reach it.
REACH: dict[str, frozenset[str]] = {
    # notion-webhook: the handshake stores the verification token; events are routed to plan.
    "shared/runs/services/notion_intake.py:_verification_token": frozenset({"notion_webhook"}),
    "shared/runs/services/notion_intake.py:_handshake": frozenset({"notion_webhook"}),
    "shared/runs/services/notion_intake.py:_route": frozenset({"notion_webhook"}),
    "shared/runs/services/notion_intake.py:_queue_index": frozenset(
        {"notion_webhook"}
    ),  # a page's index task: plan
    "shared/runs/services/notion_intake.py:_route_decision": frozenset({"notion_webhook"}),
    "shared/runs/services/notion_intake.py:_route_answer": frozenset({"notion_webhook"}),
    # Connecting (GET /connect on api, the redirect on oauth-callback) and disconnecting (api).
    "shared/notion/services/connect.py:begin_connect": frozenset({"api"}),
    "shared/notion/services/connect.py:complete_connect": frozenset({"oauth_callback"}),
    "shared/notion/services/connect.py:_store_connection": frozenset({"oauth_callback"}),
    "shared/notion/services/disconnect.py:disconnect": frozenset({"api"}),
    # Erasing a workspace (POST /workspace/erase on api): its token secrets deleted, as a disconnect does.
    "shared/notion/services/erasure.py:erase_workspace": frozenset({"api"}),
    "shared/memory/services/ask.py:_paid": frozenset({"api", "plan"}),  # POST /ask, an Ask by comment
    # Choosing pages or data sources (PATCH /settings) queues their first index at once.
    "shared/memory/services/workspace_index.py:index_the_choice": frozenset({"api"}),
    # GitHub's check deliveries wake a waiting run: no function receives them yet (decision 0096).
    "shared/engine/services/check_wakeups.py:_wake_step": frozenset(),
    # GitHub's webhook secret of a workspace (decision 0139): drawn and read by api's routes.
    "shared/engine/services/check_wakeups.py:receive": frozenset({"api"}),
    "shared/engine/services/check_wakeups.py:webhook_secret": frozenset({"api"}),
    # A comment on a finished run's pull request (api: GitHub's route) or a reply in Notion (plan): 0127.
    "shared/engine/services/revision_starts.py:queue_revision": frozenset({"api", "plan"}),
    # "Run now" on a routine (POST /agents/<id>/run-now on api) queues its run's plan task.
    "functions/routes/agents_api/routines.py:run_now": frozenset({"api"}),
    # The Linear sync (docs/sync.md): connect and disconnect on api (its key and webhook secret
    # written, read and deleted), the mirror's tasks on plan.
    # A run's tracker writes (decision 0116): the tool's key read by its step, on execute-step.
    "shared/sync/services/task_writes.py:TaskWrites._tracker": frozenset({"execute_step"}),
    # GitLab merge requests in the code pipeline (decision 0126): the GitLab token read by the code steps.
    "shared/bootstrap/sync.py:gitlab_code_hosts.bound": frozenset({"deploy"}),
    "shared/sync/services/mirror.py:_run": frozenset({"plan"}),
    # The GitLab sync, the same way (decision 0106): connect and disconnect on api, its token-checked
    # intake on api, the mirror's tasks on plan.
    "shared/sync/services/connect.py:forget": frozenset({"api"}),
    "shared/sync/services/intake.py:_hooked": frozenset({"api"}),  # the webhook secret of either intake
    # Either intake's delivery recorded and its tasks queued, and the runs agents' tracker rules start
    # (decision 0121), on api.
    "shared/sync/services/intake.py:_queued": frozenset({"api"}),
    "shared/agents/services/tracker_triggers.py:start_runs": frozenset({"api"}),
    # The Motion sync (decision 0110): connect and disconnect on api, the mirror's polling scans on plan.
    "shared/sync/services/motion.py:connect_motion": frozenset({"api"}),
    "shared/sync/services/connect.py:start": frozenset({"api"}),  # a connect's first scan queued
    "shared/sync/services/mirror.py:run_motion_task": frozenset({"plan"}),
    # OAuth for Linear and GitLab (decision 0125): connect, callback, revoke on api; a token about to
    # expire refreshed (the client secret read, the token and grant rewritten) wherever it is used.
    "shared/sync/services/oauth.py:begin_oauth": frozenset({"api"}),
    "shared/sync/services/oauth.py:complete_oauth": frozenset({"api"}),
    "shared/sync/services/oauth.py:revoke_grant": frozenset({"api"}),
    "shared/sync/services/oauth.py:_client_secret": frozenset({"api", "plan", "execute_step"}),
    "shared/sync/services/oauth.py:current_key": frozenset({"api", "plan", "execute_step"}),
    "shared/sync/services/connect.py:link_linear": frozenset({"api"}),
    "shared/sync/services/connect.py:link_gitlab": frozenset({"api"}),
    "shared/memory/services/ask.py:answer_comment": frozenset(
        {"plan"}
    ),  # an Ask by comment: its reply queued
    "shared/team/services/sessions.py:start_session": frozenset({"oauth_callback"}),
    "shared/team/services/sessions.py:session_of": frozenset(
        {"api"}
    ),  # a Bearer session, the cookie, GET /session
    # The OAuth client: connect, disconnect (api's revoke) and token refresh (NotionAccess._refresh).
    "shared/notion/services/notion_access.py:oauth_client": frozenset(
        {"oauth_callback", "api", *NOTION_CALLERS}
    ),
    "shared/notion/services/notion_access.py:NotionAccess.session": NOTION_CALLERS,
    "shared/notion/services/notion_access.py:NotionAccess._refresh": NOTION_CALLERS,
    "shared/notion/services/notion_access.py:NotionAccess._stored": NOTION_CALLERS,
    "shared/notion/services/notion_access.py:NotionAccess.needs_reconnect": NOTION_CALLERS,
    # notify: a normal notification in quiet hours is enqueued again for their end.
    "shared/notify/services/notifications.py:deliver_notification": frozenset({"notify"}),
    # Follow-ups of a run: after planning (plan), a step or the sweeper (execute-step), a decision (api).
    "shared/engine/services/followups.py:enqueue_step": RUNS,
    "shared/engine/services/followups.py:enqueue_followup": RUNS,
    "shared/engine/services/followups.py:_tell_the_end": RUNS,
    "shared/engine/services/followups.py:_wake_parent": RUNS,
    "shared/engine/services/followups.py:restart": RUNS,
    "shared/engine/services/followups.py:enqueue_row": RUNS,
    # Notes on a run's trigger page: after its transitions, and the start note from its row's task.
    "shared/engine/services/page_notes.py:enqueue": RUNS,
    # A Runs row's write held back by the Notion pacer is put back on execute-step for its turn.
    "shared/engine/services/run_rows.py:write_row": frozenset({"execute_step"}),
    "shared/engine/services/followups.py:_ask": RUNS,
    # A run asked in a Slack thread: its request and its end queued for that thread (decision 0205).
    "shared/engine/services/followups.py:_answer_in_thread": RUNS,
    # An ended run's page: the change that came while it ran is planned by whoever ended it.
    "shared/engine/services/followups.py:_plan_page_change": RUNS,
    # A paid model call past 80 % of a budget warns once: wherever a model call is paid for
    # (a run's plan and steps, an Ask on api or by comment on plan, an index's embeddings).
    "shared/runs/services/spend.py:warn": RUNS,
    "shared/engine/services/humans.py:_replan": frozenset({"api"}),
    "shared/engine/services/humans.py:link_claims": frozenset({"api"}),
    "shared/runs/services/runs.py:_queue": frozenset({"api"}),  # request_run, run_again
    # A session's message turned into a run (shared/sessions): no function routes to it yet; the api
    # will, and then its grant follows from this line.
    "shared/sessions/services/sessions.py:_start_run": frozenset(),
    # Slack's events (POST /slack/events on api, decision 0173): the app's signing secret, the team's
    # bot token, and the run a member's message starts.
    "shared/bootstrap/__init__.py:Container.slack_intake": frozenset({"api"}),
    "shared/slack/services/events.py:_event": frozenset({"api"}),
    # The run or Ask a member's words start (a mention, a direct message, /agent: POST /slack/commands).
    "shared/slack/services/events.py:start_work": frozenset({"api"}),
    "shared/slack/services/commands.py:command": frozenset({"api"}),
    # A question asked in a Slack thread or by mail, answered as Ask on plan (POST /slack-ask, decision
    # 0206, and POST /mail-ask), its answer queued for the thread.
    "shared/memory/services/thread_asks.py:answer_thread_ask": frozenset({"plan"}),
    # The app's install (POST /slack/install, its redirect; decision 0182): the session key signs the
    # state, the app's client secret exchanges the code; Slack's uninstall forgets the team's token.
    "shared/slack/services/oauth.py:begin_install": frozenset({"api"}),
    "shared/slack/services/oauth.py:complete_install": frozenset({"api"}),
    "shared/slack/services/install.py:uninstalled": frozenset({"api"}),
    # A press of an approval's button (POST /slack/interactions): the team's bot token answers in the thread.
    "shared/slack/services/interactions.py:press": frozenset({"api"}),
    # Gmail's pushes (POST /mail/push on api, decision 0219): the Google OAuth client's secret, a
    # mailbox's refresh token, the ledger of mails and the run a member's mail starts.
    "shared/bootstrap/mail.py:_gmail": frozenset({"api", "notify", "plan"}),
    "shared/mail/services/intake.py:receive": frozenset({"api"}),
    "shared/mail/services/intake.py:_message": frozenset({"api"}),
    "shared/mail/services/intake.py:_start_run": frozenset({"api"}),
    # The scheduler's hourly renewal of Gmail's watches (POST /mail-watches on plan): a mailbox's
    # refresh token read, a failure told to the owner.
    "shared/mail/services/watches.py:renew_watches": frozenset({"plan"}),
    "shared/mail/services/watches.py:_tell_owner": frozenset({"plan"}),
    # notify sends a mail thread's replies through the agent's mailbox (its refresh token, the OAuth
    # client's secret).
    "shared/mail/services/threads.py:MailThreads._opened": frozenset({"notify"}),
    # A mailbox connected (its refresh token kept) by Connect Google's redirect on api (docs/mail.md).
    "shared/mail/services/connect.py:connect_mailbox": frozenset({"api"}),
    # Erasing a workspace (POST /workspace/erase on api) deletes its mailboxes' refresh tokens.
    "shared/mail/services/connect.py:forget_mailboxes": frozenset({"api"}),
    # People's calendars (decision 0193): api reads a calendar on its push (the refresh token, the
    # Google OAuth client's secret); plan's calendar tick renews channels before they end.
    "shared/bootstrap/calendar.py:_api": frozenset({"api", "plan"}),
    "shared/calendar/services/intake.py:sync_meetings": frozenset({"api"}),
    # Erasing a workspace (POST /workspace/erase on api) deletes its calendars' refresh tokens.
    "shared/calendar/services/connect.py:forget_calendars": frozenset({"api"}),
    **{
        f"shared/calendar/services/{site}": frozenset({"plan"})
        for site in ("connect.py:renew_channels", "triggers.py:_start")
    },
    # A channel made by the tick's renewal (plan) or by a calendar's connect (api).
    "shared/calendar/services/connect.py:_watched": frozenset({"api", "plan"}),
    # A calendar connected (its refresh token kept) by Connect Google's redirect on api (docs/calendar.md).
    "shared/calendar/services/connect.py:connect_calendar": frozenset({"api"}),
    # Connect Google (shared.google) on api: the session key signs the state, the OAuth client's secret
    # exchanges the code; disconnecting and erasing read each refresh token to stop and revoke it.
    "shared/bootstrap/google.py:_oauth": frozenset({"api"}),
    **{
        f"shared/google/services/{site}": frozenset({"api"})
        for site in (
            "connect.py:begin",
            "connect.py:complete",
            "disconnect.py:_refresh",
            "disconnect.py:_release_mailbox",
            "disconnect.py:_release_calendar",
        )
    },
    # MCP servers (decision 0171): api connects and forgets them (their tokens under the sync's prefix).
    "shared/mcp/services/connect.py:add_server": frozenset({"api"}),
    "shared/mcp/services/connect.py:remove_server": frozenset({"api"}),
    "shared/mcp/services/connect.py:forget_servers": frozenset({"api"}),
    "shared/mcp/services/connect.py:_forget_pending": frozenset({"api"}),
    "shared/mcp/services/connect.py:_revoked": frozenset({"api"}),
    # A server paused after failed calls in a row: its owner's notice, from the step that failed.
    "shared/mcp/services/watch.py:counted": frozenset({"execute_step"}),
    # OAuth (decision 0220): api keeps a connect in progress and, at the callback, the grant. A step's
    # call, or the tools listed again (plan's listing, a step's call), reads the server's token or grant
    # and writes a grant back when it refreshed it.
    "shared/mcp/services/oauth.py:begin_oauth": frozenset({"api"}),
    "shared/mcp/services/oauth.py:complete_oauth": frozenset({"api"}),
    "shared/mcp/services/oauth.py:_pending": frozenset({"api"}),
    "shared/mcp/services/oauth.py:_connected": frozenset({"api"}),
    "shared/mcp/services/connect.py:credential": frozenset({"plan", "execute_step"}),
    # Webhook endpoints (decision 0180): api registers and forgets them (their secrets under their
    # own prefix, webhook-, decision 0202; a key registered before it deleted too) and sends a delivery again; an event is emitted wherever a run moves (plan,
    # execute-step, deploy, api), a session's message settles (api) or a sync conflict is settled
    # (plan's /sync); notify fans it out, signs each delivery with its secret, and tells the owner.
    "shared/outbound/services/endpoints.py:add_endpoint": frozenset({"api"}),
    "shared/outbound/services/endpoints.py:_repeat": frozenset({"api"}),
    "shared/outbound/services/endpoints.py:remove_endpoint": frozenset({"api"}),
    "shared/outbound/services/endpoints.py:forget_endpoints": frozenset({"api"}),
    "shared/outbound/services/emit.py:emit": frozenset({"plan", "execute_step", "deploy", "api"}),
    "shared/outbound/services/hooks.py:queue_delivery": frozenset({"notify", "api"}),
    "shared/outbound/services/deliver.py:_signing_key": frozenset({"notify"}),
    "shared/outbound/services/deliver.py:_disabled": frozenset({"notify"}),
    # make doctor: api checks the operator's token (the session key) and sends a task through every
    # queue; the token is made on the operator's machine (tools/doctor.py), by no function.
    "shared/platform/services/doctor.py:check_operator": frozenset({"api"}),
    "shared/platform/services/doctor.py:start_check": frozenset({"api"}),
    "shared/platform/services/doctor.py:operator_token": frozenset(),
    # A notification_email to confirm (PATCH /settings): its mail on the notify queue; the link's
    # check (POST /email-confirmations/preview|confirm).
    "shared/notify/services/email_confirmation.py:ask": frozenset({"api"}),
    # A member invite (POST /team/invites): its code derived under the session signing key, its mail
    # on the notify queue (notify derives the link again as it sends it).
    "functions/routes/team_api/team.py:post_invite": frozenset({"api"}),
    "shared/team/services/team.py:_mail_invite": frozenset({"api"}),
    # Signed links (a decision's, a confirmation's) are minted by notify as it mails them.
    "shared/notify/services/links.py:LinkMinter.links": frozenset({"notify"}),
    "shared/notify/services/email_confirmation.py:_claims": frozenset({"api"}),
    # A Notion event's run whose turn has not come is planned by a task scheduled for its start.
    "shared/engine/planning/start.py:_waits_its_turn": frozenset({"plan"}),
    # A page change dropped for a gone connection lets go of its page, planning a change remembered.
    "shared/engine/planning/start.py:_release_page": frozenset({"plan"}),
    "shared/engine/planning/gate.py:over_budget_to_start": frozenset({"plan"}),
    # A run's search_workspace step reranks with the ranking API (decision 0098): execute-step only
    # (deploy runs GitHub/Vercel steps alone).
    "shared/memory/services/workspace_search.py:searcher.run": frozenset({"execute_step"}),
    # Model calls: planning (plan) and steps, through the budget-checking recorder (execute-step).
    "shared/engine/planning/model.py:ask_model": frozenset({"plan"}),
    # deploy repairs a GitHub/Vercel step's arguments with the model after an error, as execute-step does.
    "shared/engine/services/model_recorder.py:Recorder.generate": frozenset({"execute_step", "deploy"}),
    "shared/tools/flow.py:send_notification": frozenset({"execute_step"}),
    "shared/tools/flow.py:hand_off": frozenset({"execute_step"}),
    "shared/tools/fanout.py:map_rows": frozenset({"execute_step"}),
    # a debate's or panel's children are started (and stuck ones cancelled) by its steps (decision 0120)
    "shared/tools/patterns.py:_start": frozenset({"execute_step"}),
    "shared/tools/patterns.py:settle": frozenset({"execute_step"}),
    # Daily planning (POST /schedule on plan): continuations and one plan task per due tenant.
    "shared/agents/services/daily_schedule.py:plan_due_tenants": frozenset({"plan"}),
    # a reconcile past its time slice queues its next part on the plan queue
    "shared/memory/services/workspace_index.py:run_reconcile_task": frozenset({"plan"}),
    "shared/agents/services/daily_digest.py:send_digest": frozenset({"plan"}),
    # A day's plan, for a workspace without a Daily plans database, as a notification (POST /day-plan).
    "shared/agents/services/day_plan_page.py:_notify": frozenset({"plan"}),
    # GitHub/Vercel tokens: api stores and forgets them (PUT/DELETE /integrations, and a disconnect);
    # only deploy reads them, when a step opens a pull request or a deployment.
    "shared/team/services/integrations.py:connect_integration": frozenset({"api"}),
    "shared/team/services/integrations.py:disconnect_integration": frozenset({"api"}),
    "shared/code/services/code_access.py:CodeAccess.token": frozenset({"deploy"}),
    # The Slack token: api stores and forgets it (as above); only notify reads it, to post a message.
    "shared/notify/services/channels.py:SlackMessages._token": frozenset({"notify"}),
    "shared/notify/services/channels.py:DiscordMessages.send": frozenset({"notify"}),
    # The mail relay's password (a platform secret): only notify reads it, to send an email.
    "shared/notify/services/channels.py:Emails.send": frozenset({"notify"}),
}

# SecretStore.put creates a secret only when it does not exist. Only the connect flow writes a
# tenant token secret that does not exist yet (each connect's own); a refresh adds a version to the
# secret the tenant already has (``create=False``), so plan, execute-step and notify hold
# versions.add (and destroy, for the version a refresh replaces) only.
TENANT_TOKEN_CREATORS = {"oauth_callback"}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _capabilities(call: ast.Call, every_queue: frozenset[str] = frozenset()) -> Iterator[str]:
    """What ``call`` needs a grant for. ``every_queue``: names the enclosing function binds with
    ``for <name> in Queue`` (an enqueue to such a name is one to every queue)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return
    first = call.args[0] if call.args else None
    if func.attr == "enqueue" and ast.unparse(func.value).endswith("queue"):
        from shared.platform.topology import Queue

        if isinstance(first, ast.Attribute) and ast.unparse(first.value) == "Queue":
            yield f"enqueue:{Queue[first.attr].value}"
        elif isinstance(first, ast.Name) and first.id in every_queue:
            yield from (f"enqueue:{q.value}" for q in Queue)
        else:  # a queue the review cannot read off the call: no grant matches it, so the check fails
            yield f"enqueue:UNNAMED({ast.unparse(call)})"
    elif func.attr in ("get", "put", "delete") and ast.unparse(func.value).endswith("secrets"):
        op = {"get": "read", "put": "add", "delete": "delete"}[func.attr]
        if isinstance(first, ast.Attribute) and ast.unparse(first.value) == "PlatformSecret":
            from shared.platform.config import PlatformSecret

            yield f"secret:{op}:{PlatformSecret[first.attr].value}"
        elif isinstance(first, ast.Call) and ast.unparse(first.func).endswith("code_token_secret"):
            yield f"code_token:{op}"  # GitHub/Vercel tokens: code-token-<integration>-<tenant>
        elif isinstance(first, ast.Call) and ast.unparse(first.func).endswith("chat_token_secret"):
            yield f"chat_token:{op}"  # the Slack token: chat-token-slack-<tenant>
        elif isinstance(first, ast.Call) and ast.unparse(first.func).endswith("legacy_endpoint_secret"):
            # a key registered before decision 0202, sync-hook-out-<t>-<e>: read with the webhook keys'
            # grant (its condition names both prefixes), deleted with the sync's
            yield "webhook_secret:read" if op == "read" else f"legacy_webhook:{op}"
        elif isinstance(first, ast.Call) and ast.unparse(first.func).endswith("endpoint_secret"):
            yield f"webhook_secret:{op}"  # an outgoing webhook's signing key: webhook-<tenant>-<endpoint>
        elif isinstance(first, ast.Call) and ast.unparse(first.func).split(".")[-1] == "token_secret":
            yield f"code_token:{op}"  # any integration's token (token_secret): GitHub, Vercel or Slack
            yield f"chat_token:{op}"
        else:
            yield f"tenant_token:{op}"
    elif func.attr == "need_model":
        yield "model"
    elif func.attr == "reranker":  # deps.reranker(): search's reranker, Vertex AI's ranking API
        yield "rank"


def call_sites() -> dict[str, set[str]]:
    """file:qualified function -> what it does that needs a grant."""
    sites: dict[str, set[str]] = {}
    for path in SOURCES:

        def visit(node: ast.AST, prefix: str, path: Path = path) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        own = [n for n in ast.walk(child) if isinstance(n, ast.Call)]
                        every = frozenset(
                            loop.target.id
                            for loop in ast.walk(child)
                            if isinstance(loop, ast.For)
                            and isinstance(loop.target, ast.Name)
                            and ast.unparse(loop.iter) == "Queue"
                        )
                        found = {c for call in own for c in _capabilities(call, every)}
                        nested = {  # calls inside nested defs belong to those
                            c
                            for inner in ast.walk(child)
                            if inner is not child
                            and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
                            for call in ast.walk(inner)
                            if isinstance(call, ast.Call)
                            for c in _capabilities(call)
                        }
                        if found - nested:
                            sites[f"{_rel(path)}:{name}"] = found - nested
                    visit(child, f"{name}.")

        visit(ast.parse(path.read_text(), filename=str(path)), "")
    return sites


def _module_file(module: str) -> Path | None:
    base = ROOT / Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def import_closure(entry: Path) -> set[str]:
    """Files (relative) imported from ``entry``, directly or not, at any depth of the code."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        path = todo.pop()
        if _rel(path) in seen:
            continue
        seen.add(_rel(path))
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                if name.split(".")[0] in ("shared", "functions") and (found := _module_file(name)):
                    todo.append(found)
    return seen


MODEL_CALLER = "${google_project_iam_custom_role.model_caller.name}"  # aiplatform.endpoints.predict
RANKER = "${google_project_iam_custom_role.ranker.name}"  # discoveryengine.rankingConfigs.rank


def code_grants() -> dict[str, set[str]]:
    """Function -> every capability its code uses, from call_sites() and REACH."""
    sites = call_sites()
    grants: dict[str, set[str]] = {fn: set() for fn in FUNCTIONS}
    for site, capabilities in sites.items():
        for fn in REACH.get(site, frozenset()):
            grants[fn] |= capabilities
    for fn, ports in preloaded_ports().items():
        if ports & FIRESTORE_PORTS:
            grants[fn].add("firestore")
    return grants


def preloaded_ports() -> dict[str, set[str]]:
    """Function -> the ports its entry module preloads (``bootstrap.preload(...)`` in functions/)."""
    ports: dict[str, set[str]] = {fn: set() for fn in FUNCTIONS}
    for fn in FUNCTIONS:
        tree = ast.parse((ROOT / "functions" / f"{fn}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "bootstrap.preload":
                ports[fn] |= {
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                }
    return ports


def _holders(tf: Terraform, resource: str) -> set[str]:
    member = str(tf.resources["google_project_iam_member"][resource]["member"])
    if "each.key" in member:
        for_each = str(tf.resources["google_project_iam_member"][resource]["for_each"])
        return set(tf.locals[for_each.removeprefix("${toset(local.").removesuffix(")}")])
    return {member.split('function["')[1].split('"]', maxsplit=1)[0]}


def terraform_grants(tf: Terraform) -> dict[str, set[str]]:
    """Function -> the same capabilities, as terraform/ grants them."""
    grants: dict[str, set[str]] = {fn: set() for fn in FUNCTIONS}
    for queue, spec in tf.locals["queues"].items():
        for fn in spec["enqueuers"]:
            grants[fn].add(f"enqueue:{queue}")
    for secret, spec in tf.locals["platform_secrets"].items():
        for fn in spec["readers"]:
            grants[fn].add(f"secret:read:{secret}")
        for fn in spec["version_adders"]:
            grants[fn].add(f"secret:add:{secret}")
    for fn in tf.locals["tenant_token_readers"]:
        grants[fn].add("tenant_token:read")
    for fn in _holders(tf, "sync_token_readers"):  # the sync's secrets: per tenant too (docs/sync.md)
        grants[fn].add("tenant_token:read")
    writers = ("tenant_token_writer", "tenant_token_version_adders", "sync_token_writer")
    for fn in set().union(*(_holders(tf, name) for name in writers)):
        grants[fn].add("tenant_token:add")
    for fn in _holders(tf, "tenant_token_revoker") | _holders(tf, "sync_token_revoker"):
        grants[fn].add("tenant_token:delete")
    for fn in _holders(tf, "code_token_readers"):
        grants[fn].add("code_token:read")
    keeper_condition = str(tf.resources["google_project_iam_member"]["code_token_keepers"]["condition"])
    for fn in _holders(tf, "code_token_keepers"):
        grants[fn] |= {"code_token:add", "code_token:delete"}
        if "local.chat_token_condition" in keeper_condition:
            grants[fn] |= {"chat_token:add", "chat_token:delete"}
        if "local.webhook_secret_condition" in keeper_condition:
            grants[fn] |= {"webhook_secret:add", "webhook_secret:delete"}
    for fn in _holders(tf, "chat_token_readers"):
        grants[fn].add("chat_token:read")
    for fn in _holders(tf, "webhook_secret_readers"):
        grants[fn].add("webhook_secret:read")
    for fn in _holders(tf, "sync_token_revoker"):  # sync-hook-out- is under the sync's prefix
        grants[fn].add("legacy_webhook:delete")
    for fn, roles in tf.locals["project_roles"].items():
        if fn in FUNCTIONS and MODEL_CALLER in roles:
            grants[fn].add("model")
        if fn in FUNCTIONS and RANKER in roles:
            grants[fn].add("rank")
        if fn in FUNCTIONS and "roles/datastore.user" in roles:
            grants[fn].add("firestore")
    return grants


def test_every_call_site_is_placed_in_reach() -> None:
    sites = call_sites()
    assert set(sites) - set(REACH) == set(), "new call sites: say which functions reach them in REACH"
    assert set(REACH) - set(sites) == set(), "REACH names call sites the code no longer has"


def test_reach_is_plausible_by_imports() -> None:
    closures = {fn: import_closure(ROOT / "functions" / f"{fn}.py") for fn in FUNCTIONS}
    for site, functions in REACH.items():
        assert functions <= FUNCTIONS, site
        module = site.split(":")[0]
        for fn in functions:
            assert module in closures[fn], f"{fn} does not import {module}, yet REACH says it calls {site}"


def test_the_extraction_sees_the_calls_it_must() -> None:
    sites = call_sites()
    assert sites["shared/runs/services/notion_intake.py:_handshake"] == {
        "secret:add:notion-webhook-verification-token"
    }
    assert sites["shared/runs/services/notion_intake.py:_route"] == {"enqueue:plan"}
    assert sites["shared/notion/services/disconnect.py:disconnect"] == {
        "tenant_token:read",
        "tenant_token:delete",
        "code_token:delete",
        "chat_token:delete",
    }
    assert sites["shared/engine/services/followups.py:enqueue_step"] == {
        "enqueue:deploy",
        "enqueue:execute-step",
    }
    assert sites["shared/code/services/code_access.py:CodeAccess.token"] == {"code_token:read"}
    assert sites["shared/notify/services/channels.py:SlackMessages._token"] == {"chat_token:read"}
    assert sites["shared/notify/services/channels.py:DiscordMessages.send"] == {"chat_token:read"}
    assert sites["shared/team/services/integrations.py:connect_integration"] == {
        "code_token:add",
        "chat_token:add",
        "code_token:delete",  # the token stored during a disconnect, taken back
        "chat_token:delete",
    }
    assert "tenant_token:add" in sites["shared/notion/services/notion_access.py:NotionAccess._refresh"]
    assert preloaded_ports()["notify"] >= {"notifier", "notifications", "notion", "secrets", "queue"}


def test_an_enqueue_whose_queue_is_not_named_literally_cannot_pass() -> None:
    def call(source: str) -> ast.Call:
        node = ast.parse(source, mode="eval").body
        assert isinstance(node, ast.Call)
        return node

    unnamed = "deps.queue.enqueue(pick(state), body, name)"
    assert list(_capabilities(call(unnamed))) == [f"enqueue:UNNAMED({unnamed})"]
    assert list(_capabilities(call("deps.queue.enqueue(Queue.DEPLOY, body, name)"))) == ["enqueue:deploy"]


def test_iam_matches_the_code_both_ways(tf: Terraform) -> None:
    code, granted = code_grants(), terraform_grants(tf)
    missing = {fn: sorted(code[fn] - granted[fn]) for fn in FUNCTIONS if code[fn] - granted[fn]}
    extra = {fn: sorted(granted[fn] - code[fn]) for fn in FUNCTIONS if granted[fn] - code[fn]}
    assert missing == {}, "the code does this without a grant in terraform/"
    assert extra == {}, "terraform/ grants this but no code of the function does it"


def test_only_the_connect_flow_may_create_token_secrets(tf: Terraform) -> None:
    assert _holders(tf, "tenant_token_writer") == TENANT_TOKEN_CREATORS
    assert TENANT_TOKEN_CREATORS.isdisjoint(tf.locals["tenant_token_version_adders"])
    assert any(
        "tenant_token:add" in caps
        for site, caps in call_sites().items()
        if site.endswith(":_store_connection")
    )
    writer = tf.resources["google_project_iam_custom_role"]["notion_token_writer"]["permissions"]
    assert writer == ["secretmanager.versions.add"]
    # Creating is checked on the project, so it is a grant of its own, without a name condition
    # (docs/iam.md): to the connect flow and to api, which stores integration tokens.
    assert _holders(tf, "secret_creators") == TENANT_TOKEN_CREATORS | _holders(tf, "code_token_keepers")
    creator = tf.resources["google_project_iam_custom_role"]["secret_creator"]["permissions"]
    assert creator == ["secretmanager.secrets.create"]
    rotator = tf.resources["google_project_iam_custom_role"]["notion_token_rotator"]["permissions"]
    assert sorted(rotator) == ["secretmanager.versions.add", "secretmanager.versions.destroy"]
    revoker = tf.resources["google_project_iam_custom_role"]["notion_token_revoker"]["permissions"]
    assert revoker == ["secretmanager.secrets.delete"]


def test_the_webhook_token_writer_is_granted_on_that_secret_only(tf: Terraform) -> None:
    adders = tf.resources["google_secret_manager_secret_iam_member"]["version_adders"]
    assert adders["role"] == "roles/secretmanager.secretVersionAdder"
    assert adders["secret_id"] == "${google_secret_manager_secret.platform[each.value.secret].id}"
    assert {
        secret: spec["version_adders"]
        for secret, spec in tf.locals["platform_secrets"].items()
        if spec["version_adders"]
    } == {"notion-webhook-verification-token": ["notion_webhook"]}
