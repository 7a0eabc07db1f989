"""The settings' fields: every one, with its default, bounds and meaning (docs/settings.md is generated
from them, in this order: the deployment's and the models' first, then the runs', the workspace's, the
services'). :class:`shared.platform.config.Settings` adds how they are read and checked: the rules
between them, and a bad value's message.

Past the limit: one job, the one class of every setting's field; split in two to fit the number, it
was a base class only there to hold half of the fields (decision 0144: the limits report)."""

from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ENV_PREFIX", "SettingsFields"]

ENV_PREFIX = "NA_"


def _thinking(default: int, of: str) -> Any:
    """The setting of a kind of model call's thinking budget (``model_thinking_*``)."""
    return Field(
        default,
        ge=0,
        le=32768,
        description=f"Thinking budget in tokens of {of}, billed as output tokens (0: no thinking, "
        "which not every model allows).",
    )


class SettingsFields(BaseSettings):
    """The fields of :class:`shared.platform.config.Settings`, in the order docs/settings.md lists them."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        allow_inf_nan=False,
        defer_build=True,  # the schema is built by the first Settings, not by importing this module
    )

    profile: Literal["local", "production"] = Field(
        "local",
        description="Which adapters to build. production refuses the local stack's choices: local "
        "secrets, offline model, outbox, an emulator or model stub, plain-text SMTP, a URL not https://.",
    )
    gcp_project: str = Field("notion-agent-local", description="Google Cloud project id.")
    region: str = Field("europe-west1", description="Region of the functions and queues.")
    firestore_database: str = Field("(default)", description="Firestore database id.")
    firestore_emulator_host: str = Field(
        "", description="host:port of the Firestore emulator; empty in production."
    )
    tasks_emulator_host: str = Field(
        "", description="host:port of the local Cloud Tasks emulator; empty in production."
    )
    tasks_service_account: str = Field(
        "",
        description="Service account whose OIDC token Cloud Tasks sends to the target functions "
        "(required in production).",
    )
    plan_url: str = Field("http://127.0.0.1:8081", description="HTTPS URL of the plan function.")
    execute_step_url: str = Field("http://127.0.0.1:8082", description="URL of execute-step.")
    deploy_url: str = Field("http://127.0.0.1:8083", description="URL of the deploy function.")
    notify_url: str = Field("http://127.0.0.1:8084", description="URL of the notify function.")
    api_url: str = Field("http://127.0.0.1:8085", description="Public URL of the api function.")
    secrets_backend: Literal["local", "secret-manager"] = Field(
        "local", description="local: a JSON file of secrets; secret-manager: Google Secret Manager."
    )
    local_secrets_file: str = Field(
        ".local/secrets.json", description="The local secrets file (local backend only)."
    )
    secret_cache_ttl_s: float = Field(
        300.0,
        ge=0,
        le=3600,
        description="How long a secret value is cached per instance (0: read every time); a secret "
        "rotated in Secret Manager reaches every instance within this time.",
    )
    model_backend: Literal["offline", "vertex"] = Field(
        "offline", description="offline: deterministic local model; vertex: Gemini on Vertex AI."
    )
    secret_locations: tuple[str, ...] = Field(
        (),
        description="Regions (a JSON list) where the secrets the code creates keep their replicas "
        "(user-managed replication, as an organisation's location policy requires; "
        "terraform/secrets.tf uses the same). Empty: NA_REGION.",
    )
    model_location: str = Field(
        "global",
        description="Vertex AI location for model calls, Gemini and embeddings: global, or a region "
        "(e.g. europe-west4) whose regional endpoint keeps prompts and answers there.",
    )
    model_plan: str = Field(
        "gemini-3.5-flash-lite", description="Model for planning and classification (fast, cheap)."
    )
    model_draft: str = Field("gemini-3.5-flash", description="Model for drafting text and code (strong).")
    model_embed: str = Field(
        "gemini-embedding-001",
        description="Vertex AI embedding model of the workspace index (768 values asked of it); the "
        "offline backend embeds with a local model instead (decision 0065).",
    )
    search_rerank: bool = Field(
        True,
        description="Rerank workspace search's first 30 candidates with Vertex AI's ranking API (decision "
        "0098; the offline backend: the shipped learned reranker, decision 0153); skipped past "
        "NA_RERANK_BUDGET_S.",
    )
    rerank_model: str = Field(
        "semantic-ranker-default@latest", description="Vertex AI ranking API model (Discovery Engine)."
    )
    rerank_budget_s: float = Field(
        1.5,
        gt=0,
        le=10,
        description="Seconds search waits for the reranker; past them the fused order stands (nobody waits).",
    )
    rerank_price_per_1k: float = Field(
        1.0,
        ge=0,
        description="USD per 1,000 ranking requests (of up to 100 passages each), spent as model calls.",
    )
    rerank_base_url: str = Field(
        "", description="Ranking API endpoint override (a loopback stub in tests; empty: Google's default)."
    )
    mcp_allow_loopback: bool = Field(
        False,
        description="Let an admin connect an MCP server on a loopback address over http: the local "
        "stack's MCP sandbox only (refused when NA_PROFILE=production).",
    )
    hooks_allow_loopback: bool = Field(
        False,
        description="Let an admin register a webhook endpoint on a loopback address over http: the "
        "local stack's receiver only (refused when NA_PROFILE=production).",
    )
    mcp_timeout_s: float = Field(
        20.0, gt=0, le=120, description="Seconds an MCP tool call may take before it counts as failed."
    )
    mcp_pause_after_failures: int = Field(
        5,
        ge=1,
        le=100,
        description="Failed calls in a row (unreachable, too slow, no MCP, the token refused) that pause "
        "an MCP server until an admin resumes it; its owner is told.",
    )
    workspace_index: bool = Field(
        False,
        description="Keep and use the workspace index (docs/memory.md): chosen pages' events queue index "
        "tasks, daily planning queues a reconcile, the planner's context gets passages. Off: none of "
        "these; search_workspace finds what is indexed already.",
    )
    ask_context_tokens: int = Field(
        2_000,
        ge=200,
        le=30_000,
        description="Tokens of workspace passages an Ask answer is given (about 4 characters each): the "
        "best passages spread over several pages, at most 3 of a page and 12 in all, until this is spent.",
    )
    model_base_url: str = Field(
        "", description="Vertex AI endpoint override (a loopback stub in tests; empty: Google's default)."
    )
    prompt_version: Literal["", "v2", "v3"] = Field(
        "",
        description="The prompts' version the model calls are written with (shared/platform/prompts, "
        "each run records it); empty: the newest. v2, the layout before the cacheable prefix (decision "
        "0214), rolls the wording back and is what make bench-tokens measures against.",
    )
    model_timeout_s: float = Field(
        120.0,
        ge=5,
        le=280,
        description="Timeout of one model call (a thinking model drafting code takes minutes); one "
        "that runs out is a transient error, retried. Below plan's function timeout (300 s).",
    )
    model_prices: dict[str, tuple[float, float]] = Field(
        {
            "gemini-3.5-flash-lite": (0.30, 2.50),
            "gemini-3.5-flash": (1.50, 9.00),
            "gemini-embedding-001": (0.15, 0.0),
            "offline": (0.0, 0.0),
            "claude-haiku-4-5": (1.00, 5.00),
            "claude-sonnet-4-6": (3.00, 15.00),
        },
        description="USD per million (input, output) tokens by model name, not negative; JSON in the "
        "environment. With the vertex backend it must price NA_MODEL_PLAN and NA_MODEL_DRAFT (and should price "
        "NA_MODEL_EMBED), and NA_MODEL_CLAUDE_PLAN and NA_MODEL_CLAUDE_DRAFT when calls may go to Claude.",
    )
    # Thinking tokens a call may spend before it answers, by what it is for (google-genai's
    # ThinkingConfig(thinking_budget=...)); Vertex AI bills them as output tokens, and each call's
    # cost counts them (usage_metadata.thoughts_token_count). The model may go a little past it.
    model_thinking_plan: int = _thinking(1024, "a run's first plan (and its plan after a budget stop)")
    # A plan asked again, and a repair, have their own (decision 0226): the same as a plan until a
    # deployment's measurement (make eval-agents on Vertex AI) shows a smaller one loses nothing.
    model_thinking_replan: int = _thinking(
        1024, "a plan asked again with its last answer's errors, and a run's next phase"
    )
    model_thinking_repair: int = _thinking(1024, "a repair of a step's arguments a tool refused")
    model_thinking_draft: int = _thinking(4096, "a drafting call (text and code)")
    model_thinking_review: int = _thinking(1024, "a reviewer pass over a step's effect")
    model_thinking_answer: int = _thinking(512, "an Ask answer from the workspace index")
    # The second model family (decision 0092): which family answers each kind of call, and
    # the other one when it cannot (shared.platform.services.model_routing; docs/models.md).
    # Keyed by shared.platform.domain.model_calls.CallKind (a test holds them equal; not imported: a
    # function's cold start reads the settings, not the model's modules).
    model_routes: dict[Literal["plan", "draft", "review", "code", "answer"], Literal["gemini", "claude"]] = (
        Field(
            {"plan": "gemini", "draft": "gemini", "review": "gemini", "code": "gemini", "answer": "gemini"},
            description="The model family that answers each kind of call (plan, draft, review, code, answer): "
            "gemini or claude, JSON; a kind left out is gemini's. Each family has a fast and a strong model "
            "(NA_MODEL_PLAN and NA_MODEL_DRAFT; NA_MODEL_CLAUDE_PLAN and NA_MODEL_CLAUDE_DRAFT); an agent's "
            "tier picks one. With the offline backend every call is the offline model's.",
        )
    )
    model_fallback: bool = Field(
        True,
        description="A call the routed family cannot answer (an error, a timeout, a 429, a retired or "
        "unavailable model) goes once to the other family; the switch is recorded on the run's log.",
    )
    model_review_family: Literal["route", "other"] = Field(
        "route",
        description="route: a reviewer pass goes to NA_MODEL_ROUTES' review family; other: to the family "
        "that does not draft, so the second family checks the first's work.",
    )
    model_claude_plan: str = Field(
        "claude-haiku-4-5", description="Claude model on Vertex AI for planning and classification (fast)."
    )
    model_claude_draft: str = Field(
        "claude-sonnet-4-6", description="Claude model on Vertex AI for drafting text and code (strong)."
    )
    model_claude_base_url: str = Field(
        "",
        description="Claude-on-Vertex endpoint override, e.g. http://127.0.0.1:8094/v1 (a loopback "
        "stand-in, local/claude_vertex.py; empty: Vertex AI's endpoint for NA_MODEL_LOCATION).",
    )

    run_max_steps: int = Field(
        50, ge=2, le=500, description="Most steps a run may have (plan plus execution)."
    )
    run_max_replans: int = Field(
        3,
        ge=0,
        le=10,
        description="Phases a run may plan after its first, each from what it read (plan_next); one "
        "more stops the run, saying so. A code run's bound is one phase per code pipeline stage its "
        "tools name (the pull request, the review, the revision, the release) plus its repositories' "
        "fix_attempts, when that is more (decision 0142). Each phase's model call counts against the "
        "run's budget.",
    )
    handoff_max_depth: int = Field(
        3,
        ge=1,
        le=10,
        description="Most hand-offs in a chain from the run a person or trigger started (hand_off); "
        "one more, or one back to an agent already in the chain, is refused.",
    )
    fan_in_wait_s: float = Field(
        30.0,
        ge=0.5,
        le=3600,
        description="How long a fan_in waits before it looks at its children again, unless a child's "
        "end wakes it first (a scheduled task: nothing sleeps).",
    )
    fan_out_max_running: int = Field(
        3,
        ge=1,
        le=200,
        description="Most children of one map_rows running at once; the rest start as earlier ones "
        "end. Their Notion requests share the workspace's pace (notion_rate_per_s): more children than "
        "its requests a second wait for turns, and each step put back costs Firestore operations.",
    )
    debate_max_rounds: int = Field(
        2,
        ge=1,
        le=4,
        description="Most rounds of a debate: each round every participant sees the others' "
        "answers of the round before. 4 is the hard maximum.",
    )
    pattern_stage_deadline_s: float = Field(
        900.0,
        ge=1,
        le=21_600,
        description="How long a debate's round, its judge, a panel's sections or its lead may take before "
        "settle cancels the stuck children and goes on with the answers that came, naming who was missing.",
    )
    undo_window_days: int = Field(
        30,
        ge=1,
        le=365,
        description="How long after a run ended its starter, its approver or the owner may undo it "
        "(POST /runs/{id}/undo); after that the undo is refused.",
    )
    run_loop_limit: int = Field(
        3,
        ge=2,
        le=20,
        description="The same tool with the same arguments this many times in a row → ask a human.",
    )
    run_max_consecutive_errors: int = Field(
        3, ge=1, le=20, description="Model-fixable errors in a row before the run asks a human."
    )
    plan_max_reasks: int = Field(
        2,
        ge=0,
        le=5,
        description="Re-asks of the model after an invalid plan (each a paid call within plan's timeout).",
    )
    step_lease_s: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="How long a step's recorded intent excludes other deliveries (> any effect; in "
        "production also > every request timeout, and below NA_SWEEP_STALL_S).",
    )
    step_retry_inline_s: float = Field(
        10.0,
        ge=0,
        le=60,
        description="A transient error with a longer Retry-After is recorded and the step re-enqueued "
        "with that delay; shorter ones are retried by the queue's own backoff (HTTP 503).",
    )
    sweep_stall_s: float = Field(
        600.0,
        ge=0,
        le=86400,
        description="A running run not updated for this long is re-enqueued (in production: longer than "
        "NA_STEP_LEASE_S).",
    )
    schedule_page_size: int = Field(
        100,
        ge=1,
        le=1000,
        description="Active tenants whose tasks a daily-planning call (POST /schedule on plan) creates "
        "together, 16 at a time, while a thread reads the next pages from the same query.",
    )
    schedule_call_tenants: int = Field(
        5000,
        ge=1,
        le=50000,
        description="Active tenants one daily-planning call reads, in one streamed query; a call that "
        "reads this many enqueues a continuation for the rest.",
    )
    # The budgets' caps are the largest an owner may choose (shared.workspace.domain.settings.MAX_BUDGET_USD).
    default_run_budget_usd: float = Field(
        1.0, ge=0, le=100, description="Run budget a new workspace starts with (and one without a tenant)."
    )
    default_day_budget_usd: float = Field(
        5.0, ge=0, le=500, description="Daily budget a new workspace starts with (its owner may change it)."
    )
    default_month_budget_usd: float = Field(
        50.0,
        ge=0,
        le=5000,
        description="Monthly budget a new workspace starts with (its owner may change it).",
    )
    spend_cap_day_usd: float = Field(
        100.0,
        ge=0,
        le=1_000_000,
        description="Most the deployment spends on models in a UTC day, all workspaces together: a model "
        "call that would go past it is refused (each reserves the most it can cost first); 0 "
        "stops every model call.",
    )
    model_call_reserve_usd: float = Field(
        0.10,
        gt=0,
        le=10,
        description="What a call of an unpriced model (the offline backend), an embedding or a reranking "
        "reserves before it is made, of its run's budget, the workspace's day and month budgets and "
        "NA_SPEND_CAP_DAY_USD, replaced by its cost once paid. A priced text call reserves instead "
        "the most it can be billed, its output capped to fit (decision 0102).",
    )
    signup_policy: Literal["open", "allowlist", "invite"] = Field(
        "open",
        description="Who may connect a new workspace: open, anyone; allowlist, a workspace in "
        "NA_SIGNUP_WORKSPACE_IDS or an owner whose email's domain is in NA_SIGNUP_EMAIL_DOMAINS; invite, "
        "whoever brings an invite code (make invite). A workspace already connected may reconnect under "
        "open and invite.",
    )
    signup_workspace_ids: str = Field(
        "", description="Comma-separated Notion workspace ids the allowlist admits."
    )
    signup_email_domains: str = Field(
        "",
        description="Comma-separated email domains (e.g. example.com) the allowlist admits: the domain of "
        "the email Notion gives for the person connecting, exactly (no subdomains).",
    )
    spend_cache_ttl_s: float = Field(
        60.0,
        ge=0,
        le=600,
        description="How long an instance reuses a tenant's summed spend, and its budgets for a "
        "model call they let go ahead, before re-reading them (a stop always re-reads the budgets).",
    )
    approval_link_ttl_s: float = Field(
        3 * 24 * 3600.0, ge=3600, le=30 * 24 * 3600, description="Lifetime of approve/reject links."
    )
    notifier_backend: Literal["outbox", "live"] = Field(
        "outbox", description="outbox: write notifications to a local directory; live: send them."
    )
    outbox_dir: str = Field(".local/outbox", description="Directory of the local outbox.")
    notion_api_base_url: str = Field("https://api.notion.com", description="Base URL of Notion's API.")
    notion_web_base_url: str = Field(
        "https://www.notion.so",
        description="Where a Notion page opens by its id alone (<base>/<page id>), for a page whose url "
        "Notion never gave the run: Notion's web address; on the local stack the Notion sandbox, which "
        "leads such an address to the page on its screen.",
    )
    frontend_url: str = Field("http://127.0.0.1:3000", description="Where the browser is sent after connect.")
    oauth_callback_url: str = Field(
        "http://127.0.0.1:8080",
        description="Public URL of the oauth-callback function: the redirect_uri registered with Notion.",
    )
    connect_cookie_samesite: Literal["Lax", "Strict", "None"] = Field(
        "Lax",
        description="SameSite of the connect nonce cookie; None (sent only over HTTPS) when the frontend "
        "calls GET /connect cross-site.",
    )
    notion_timeout_s: float = Field(20.0, ge=1, le=120, description="Timeout of one Notion API request.")
    github_api_base_url: str = Field(
        "https://api.github.com", description="Base URL of GitHub's REST API (pull requests, by deploy)."
    )
    vercel_api_base_url: str = Field(
        "https://api.vercel.com", description="Base URL of Vercel's REST API (deployments, by deploy)."
    )
    code_timeout_s: float = Field(
        30.0, ge=1, le=120, description="Timeout of one GitHub or Vercel API request."
    )
    slack_api_base_url: str = Field(
        "https://slack.com/api", description="Base URL of Slack's Web API (notifications, by notify)."
    )
    slack_timeout_s: float = Field(
        15.0, ge=1, le=120, description="Timeout of one Slack or Discord API request."
    )
    slack_client_id: str = Field(
        "",
        description="Client id of the deployment's Slack app (its secret: the platform secret "
        "slack-client-secret); empty: Slack connects with a pasted bot token only (docs/slack.md).",
    )
    gmail_api_url: str = Field(
        "https://gmail.googleapis.com/",
        description="Root URL of the Gmail API (agents' mailboxes, docs/mail.md).",
    )
    google_token_url: str = Field(
        "https://oauth2.googleapis.com/token",
        description="Google's OAuth token endpoint: a mailbox's refresh token exchanged (docs/mail.md).",
    )
    google_certs_url: str = Field(
        "https://www.googleapis.com/oauth2/v1/certs",
        description="Where the keys of Google's ID tokens are published: Pub/Sub's push tokens checked against them.",
    )
    google_oauth_client_id: str = Field(
        "",
        description="Client id of the deployment's Google OAuth client (its secret: the platform secret "
        "google-oauth-client-secret); empty: no agent mailboxes (docs/mail.md).",
    )
    google_auth_url: str = Field(
        "https://accounts.google.com/o/oauth2/v2/auth",
        description="Google's OAuth consent page: Connect Google sends the person there (docs/mail.md).",
    )
    google_revoke_url: str = Field(
        "https://oauth2.googleapis.com/revoke",
        description="Google's token revocation endpoint: a disconnected mailbox's or calendar's grant ended.",
    )
    mail_topic: str = Field(
        "",
        description="The Pub/Sub topic Gmail watches a connected mailbox onto (projects/<p>/topics/<t>); "
        "empty: Connect Google offers calendars only (docs/mail.md).",
    )
    mail_push_audience: str = Field(
        "", description="The audience of Pub/Sub's push tokens for Gmail's notifications (the push URL)."
    )
    gmail_timeout_s: float = Field(15.0, ge=1, le=120, description="Timeout of one Gmail API request.")
    mail_push_invoker: str = Field(
        "", description="The service account Pub/Sub's Gmail push subscription signs its tokens as."
    )
    google_calendar_api_url: str = Field(
        "https://www.googleapis.com/calendar/v3/",
        description="Base URL of the Google Calendar API, its service path included (docs/calendar.md).",
    )
    calendar_push_address: str = Field(
        "",
        description="Where Google posts calendars' notifications (the api's /calendar/push); empty: "
        "no calendars connected (docs/calendar.md).",
    )
    discord_api_base_url: str = Field(
        "https://discord.com/api/v10",
        description="Base URL of Discord's API (incoming webhooks: notifications, by notify).",
    )
    linear_api_base_url: str = Field(
        "https://api.linear.app", description="Base URL of Linear's GraphQL API (the sync, docs/sync.md)."
    )
    motion_api_base_url: str = Field(
        "https://api.usemotion.com/v1", description="Base URL of Motion's REST API (the sync, docs/sync.md)."
    )
    linear_oauth_client_id: str = Field(
        "",
        description="Client id of the deployment's Linear OAuth app (its secret: the platform secret "
        "linear-oauth-client-secret); empty: Linear connects with an API key only.",
    )
    linear_oauth_url: str = Field(
        "https://linear.app", description="Where Linear's OAuth authorize page is (/oauth/authorize)."
    )
    linear_oauth_actor: Literal["user", "app"] = Field(
        "user",
        description="Linear's OAuth actor: app makes the OAuth app, not the person, author our writes.",
    )
    gitlab_oauth_client_id: str = Field(
        "",
        description="Client id of the deployment's GitLab OAuth app (its secret: the platform secret "
        "gitlab-oauth-client-secret); empty: GitLab connects with an access token only.",
    )
    gitlab_oauth_base_url: str = Field(
        "https://gitlab.com",
        description="The GitLab instance (gitlab.com or a self-managed one) where that OAuth app is registered.",
    )
    smtp_host: str = Field(
        "",
        description="The SMTP relay of email notifications (SendGrid, Mailgun, Amazon SES, Google "
        "Workspace, ...); empty: no email. Its password is the platform secret smtp-password.",
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="The SMTP relay's port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="starttls: STARTTLS is required (port 587); tls: TLS from the start (port 465); "
        "none: plain text, only to a loopback relay (the local stack; never in production).",
    )
    smtp_username: str = Field("", description="The SMTP relay's user name (empty: no AUTH).")
    smtp_sender: str = Field(
        "",
        description="The From of email notifications, e.g. 'Notion Agent <agent@example.com>' (needed "
        "with NA_SMTP_HOST); its domain names every Message-ID.",
    )
    smtp_timeout_s: float = Field(15.0, ge=1, le=120, description="Timeout of one SMTP connection's steps.")
    notion_max_inline_wait_s: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Longest Retry-After the Notion adapter waits inside a function (once); a longer "
        "wait is raised as TransientError(retry_after_s) for a task scheduled later.",
    )
    notion_rate_per_s: float = Field(
        3.0,
        ge=0.5,
        description="Average Notion requests per second per workspace connection, paced within an "
        "instance (Notion's limit is three); a request whose turn is further away than "
        "NA_NOTION_MAX_INLINE_WAIT_S (and one interval of the pace, which it may always wait) is "
        "rescheduled as a later task.",
    )
    notion_burst: int = Field(
        3, ge=1, description="Notion requests per connection that may go at once before pacing applies."
    )
    api_person_per_min: float = Field(
        120.0,
        ge=1,
        description="Api requests a minute one person may make (their sessions and keys together), "
        "counted across every api instance in windows of NA_API_BURST requests; beyond it a 429 "
        "with Retry-After.",
    )
    api_key_per_min: float = Field(
        60.0,
        ge=1,
        description="Api requests a minute one API key may make, within its person's; beyond it a 429 "
        "with Retry-After.",
    )
    api_burst: int = Field(
        40,
        ge=1,
        description="Api requests a person or a key may make in one window (of NA_API_BURST / the "
        "pace a minute); the next window starts a fresh count.",
    )
    stream_deadline_s: float = Field(
        25.0,
        ge=0.1,
        le=3600,
        description="A stream of the api's (GET /runs/{id}/events, GET /sessions/{id}/events) ends "
        "itself after this many seconds, saying so, and the client reconnects with Last-Event-ID: "
        "below the api function's request timeout (terraform/functions.tf, 30 s), so no stream is cut "
        "by Cloud Run or holds an instance's thread longer (decision 0167).",
    )
    stream_poll_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How often an open stream reads what is new (a run's log after its last event, a "
        "session's messages after the last place): one Firestore query each time.",
    )
    webhook_max_body_bytes: int = Field(
        256 * 1024,
        ge=4096,
        le=1024 * 1024,
        description="Largest notion-webhook body accepted (larger: 413, never read whole).",
    )
    tenant_routing_cache_s: float = Field(
        5.0,
        ge=0,
        le=300,
        description="How long an instance reuses a workspace → tenant lookup on the webhook path; a "
        "revoke or filter change made elsewhere takes effect within this time (0: always read).",
    )
    webhook_event_ttl_s: float = Field(
        7 * 24 * 3600.0,
        ge=3600,
        le=30 * 24 * 3600,
        description="How long a webhook event id is remembered for de-duplication; within it, a repeat "
        "of an event whose plan task was never created (the queue failed) is enqueued again, and any "
        "other repeat does nothing.",
    )
    plan_max_attempts: int = Field(
        12,
        ge=1,
        le=100,
        description="The plan queue's max_attempts (terraform/tasks.tf): on the last attempt a trigger "
        "whose planning still fails transiently is recorded as a failed run saying why, instead of "
        "being deleted by the queue with nothing recorded.",
    )
    sync_scan_interval_s: float = Field(
        60.0,
        ge=1,
        le=3600,
        description="The sync's scan of each connected tool's Notion data source (and Motion's poll) "
        "runs this many seconds after the last: a Notion query a minute per connected workspace "
        "deployed; the local stack shortens it so its flows do not wait a minute.",
    )
    webhook_coalesce_s: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="Changes to one page (created, properties, content) within the same window of this "
        "many seconds start one run, planned 60 s (at most one window) after the window ends, so its "
        "read shows them all; an event arriving after that is checked against the page's run and "
        "planned only if that run may not have read it; while that page's run is active "
        "no other starts, and the latest change it may not have read is planned when it ends; 0: one "
        "run per event. Comments always start their own run.",
    )
    webhook_run_rate_per_min: float = Field(
        6.0,
        ge=0,
        description="Runs a workspace's Notion events may start per minute once its burst is spent; "
        "the others are planned later, one every 60/rate seconds in the order they came, so an import "
        "or a bulk edit neither starts hundreds of runs at once nor holds up other workspaces' "
        "planning (0: no limit; otherwise at least 0.1). API, daily and replanned runs are not limited.",
    )
    webhook_run_burst: int = Field(
        10, ge=1, description="Runs a workspace's Notion events may start at once before the rate applies."
    )
    webhook_verification_until: str = Field(
        "",
        description="Until when (RFC 3339 with its offset, e.g. 2026-11-22T15:00:00Z) notion-webhook "
        "stores the verification token a subscription sends while none is stored: set it for creating "
        "or replacing the subscription (docs/deploy.md). Empty: never. The token comes unsigned, so "
        "outside this window nobody can store one that events would then be checked against.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Minimum log severity."
    )
