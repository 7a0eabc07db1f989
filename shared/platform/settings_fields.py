"""The settings' fields: every one, with its default, bounds and meaning (docs/settings.md is generated
from them). :class:`shared.platform.config.Settings` adds how they are read and checked: the rules
between them, and a bad value's message."""

from typing import Literal

from pydantic import Field

from shared.platform.settings_deployment import ENV_PREFIX, DeploymentFields

__all__ = ["ENV_PREFIX", "SettingsFields"]


class SettingsFields(DeploymentFields):
    """The fields of :class:`shared.platform.config.Settings`, in the order docs/settings.md lists them
    (the deployment's and the models' first, from their base class)."""

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
        description="Most rounds of a debate (issue 69): each round every participant sees the others' "
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
        20,
        ge=1,
        description="Api requests a person or a key may make in one window (of NA_API_BURST / the "
        "pace a minute); the next window starts a fresh count.",
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
