# Every field of shared.platform.config.Settings, as the environment variable NA_<FIELD> that pydantic-settings
# reads, with its production value. The same map goes to every function (a function reads what it
# uses). tests/infra fails when a Settings field has no entry here or an entry has no field.
locals {
  settings_env = {
    NA_PROFILE                  = "production"
    NA_GCP_PROJECT              = var.project_id
    NA_REGION                   = var.region
    NA_FIRESTORE_DATABASE       = google_firestore_database.main.name
    NA_FIRESTORE_EMULATOR_HOST  = "" # explicit: a deployment must never talk to an emulator
    NA_TASKS_EMULATOR_HOST      = "" # explicit, same reason
    NA_TASKS_SERVICE_ACCOUNT    = google_service_account.platform["tasks_invoker"].email
    NA_PLAN_URL                 = local.function_urls["plan"]
    NA_EXECUTE_STEP_URL         = local.function_urls["execute_step"]
    NA_DEPLOY_URL               = local.function_urls["deploy"]
    NA_NOTIFY_URL               = local.function_urls["notify"]
    NA_API_URL                  = local.public_endpoints["api"] # https://DOMAIN/api: approval links, frontends
    NA_SECRETS_BACKEND          = "secret-manager"
    NA_LOCAL_SECRETS_FILE       = "" # unused with secret-manager; empty so it can never be picked up
    NA_SECRET_CACHE_TTL_S       = tostring(var.secret_cache_ttl_s)
    NA_SECRET_LOCATIONS         = jsonencode(var.secret_locations) # empty: NA_REGION, as secrets.tf's local.secret_locations
    NA_MODEL_BACKEND            = "vertex"
    NA_MODEL_LOCATION           = var.model_location
    NA_MODEL_PLAN               = var.model_plan
    NA_MODEL_DRAFT              = var.model_draft
    NA_MODEL_EMBED              = var.model_embed
    NA_WORKSPACE_INDEX          = "true"                           # docs/memory.md
    NA_SEARCH_RERANK            = "true"                           # the first 30 candidates reranked (decision 0098)
    NA_RERANK_MODEL             = "semantic-ranker-default@latest" # Vertex AI's ranking API model
    NA_RERANK_BUDGET_S          = "1.5"                            # past it the fused order stands: nobody waits
    NA_RERANK_PRICE_PER_1K      = "1"                              # USD per 1,000 ranking requests, spent as model calls
    NA_RERANK_BASE_URL          = ""                               # explicit: Google's endpoint
    NA_ASK_CONTEXT_TOKENS       = "2000"                           # workspace passages an Ask answer is given
    NA_MCP_ALLOW_LOOPBACK       = "false"                          # MCP servers on loopback: the local stack's sandbox only
    NA_HOOKS_ALLOW_LOOPBACK     = "false"                          # webhook endpoints on loopback: the local stack's receiver
    NA_MCP_TIMEOUT_S            = "20"                             # one MCP tool call
    NA_MCP_PAUSE_AFTER_FAILURES = "5"                              # failed MCP calls in a row that pause its server
    NA_LINEAR_API_BASE_URL      = "https://api.linear.app"         # the sync (docs/sync.md)
    NA_MOTION_API_BASE_URL      = "https://api.usemotion.com/v1"   # the sync (docs/sync.md)
    NA_SYNC_SCAN_INTERVAL_S     = "60"                             # a tracker scan a minute (decision 0156)
    NA_NOTION_WEB_BASE_URL      = "https://www.notion.so"          # links to pages known by id (decision 0157)
    NA_MODEL_TIMEOUT_S          = "120"                            # one model call; a draft of code can take minutes; below plan's 300 s timeout
    NA_MODEL_ROUTES             = jsonencode(var.model_routes)     # the family of each kind of call (docs/models.md)
    NA_MODEL_FALLBACK           = "true"                           # a call the routed family cannot answer goes to the other once
    NA_MODEL_REVIEW_FAMILY      = var.model_review_family
    NA_MODEL_CLAUDE_PLAN        = var.model_claude_plan
    NA_MODEL_CLAUDE_DRAFT       = var.model_claude_draft
    NA_MODEL_CLAUDE_BASE_URL    = "" # explicit: Vertex AI's own endpoint for NA_MODEL_LOCATION
    NA_NOTIFIER_BACKEND         = "live"
    NA_OUTBOX_DIR               = "" # unused with the live notifier
    NA_NOTION_API_BASE_URL      = var.notion_api_base_url
    NA_GITHUB_API_BASE_URL      = "https://api.github.com"
    NA_VERCEL_API_BASE_URL      = "https://api.vercel.com"
    NA_CODE_TIMEOUT_S           = "30" # one GitHub/Vercel request; far inside deploy's timeout
    NA_SLACK_API_BASE_URL       = "https://slack.com/api"
    NA_SLACK_TIMEOUT_S          = "15" # one Slack or Discord request; far inside notify's timeout
    NA_DISCORD_API_BASE_URL     = "https://discord.com/api/v10"
    NA_FRONTEND_URL             = coalesce(var.frontend_url, local.public_endpoints["console"]) # the console, unless another frontend is named
    NA_LOG_LEVEL                = var.log_level
    NA_OAUTH_CALLBACK_URL       = local.public_endpoints["oauth_callback"] # the redirect_uri registered with Notion; same origin as NA_API_URL, so the connect cookie reaches it
    NA_CONNECT_COOKIE_SAMESITE  = var.connect_cookie_samesite
    NA_NOTION_TIMEOUT_S         = "20"     # below the functions' timeouts, so a slow Notion call fails the call, not the instance
    NA_NOTION_MAX_INLINE_WAIT_S = "1"      # longer Retry-After waits become later tasks, never sleeping instances
    NA_NOTION_RATE_PER_S        = "3"      # Notion's average limit per connection; paced per instance
    NA_NOTION_BURST             = "3"      # requests that may go at once before pacing applies
    NA_WEBHOOK_MAX_BODY_BYTES   = "262144" # 256 KiB: Notion's event bodies are small; larger is refused (413)
    NA_API_PERSON_PER_MIN       = "120"    # api requests a minute per person (sessions and keys), paced per api instance
    NA_API_KEY_PER_MIN          = "60"     # ... and per API key, within its person's
    NA_API_BURST                = "40"     # api requests a person or key may make at once (two screens of the console)
    NA_WEBHOOK_EVENT_TTL_S      = "604800" # 7 days of de-duplication; Notion retries deliveries for less
    NA_TENANT_ROUTING_CACHE_S   = "5"      # a revoke or filter change made elsewhere reaches every webhook instance within 5 s
    NA_WEBHOOK_COALESCE_S       = "60"     # a page's changes within a minute make one run, planned at the minute's end
    NA_WEBHOOK_RUN_BURST        = "10"     # runs a workspace's Notion events start at once ...
    NA_WEBHOOK_RUN_RATE_PER_MIN = "6"      # ... then one every 10 s, the rest planned when their turn comes

    # A new webhook subscription's verification token is stored only until then: "" (closed) but
    # while the operator creates or replaces the subscription (docs/deploy.md).
    NA_WEBHOOK_VERIFICATION_UNTIL = var.webhook_verification_until

    # Email notifications through the customer's SMTP relay (var.smtp; host empty: no email channel).
    NA_SMTP_HOST      = var.smtp.host
    NA_SMTP_PORT      = tostring(var.smtp.port)
    NA_SMTP_SECURITY  = var.smtp.security
    NA_SMTP_USERNAME  = var.smtp.username
    NA_SMTP_SENDER    = var.smtp.sender
    NA_SMTP_TIMEOUT_S = "15" # one SMTP step; far inside notify's timeout

    # The sync's OAuth apps (var.sync_oauth; a client id empty: that tool connects with a key only). Their
    # client secrets are the platform secrets linear-oauth-client-secret and gitlab-oauth-client-secret.
    NA_LINEAR_OAUTH_CLIENT_ID = var.sync_oauth.linear_client_id
    NA_LINEAR_OAUTH_URL       = "https://linear.app"
    NA_LINEAR_OAUTH_ACTOR     = var.sync_oauth.linear_actor
    NA_GITLAB_OAUTH_CLIENT_ID = var.sync_oauth.gitlab_client_id
    NA_GITLAB_OAUTH_BASE_URL  = var.sync_oauth.gitlab_base_url

    # People's calendars (docs/calendar.md): the same Google OAuth client as mailboxes; Google posts
    # each change to api's /calendar/push on a channel whose token api checks.
    NA_GOOGLE_CALENDAR_API_URL = "https://www.googleapis.com/calendar/v3/"
    NA_CALENDAR_PUSH_ADDRESS   = local.calendar_push_address

    # The deployment's Slack app (var.slack_client_id; empty: Slack connects with a pasted bot token
    # only). Its client secret is the platform secret slack-client-secret (docs/slack.md).
    NA_SLACK_CLIENT_ID = var.slack_client_id

    # Agents' mailboxes (var.google_oauth_client_id; empty: none, docs/mail.md). The client's secret is
    # the platform secret google-oauth-client-secret; Pub/Sub's push (mail.tf) signs as gmail_push.
    NA_GOOGLE_OAUTH_CLIENT_ID = var.google_oauth_client_id
    NA_GMAIL_API_URL          = "https://gmail.googleapis.com/"
    NA_GOOGLE_TOKEN_URL       = "https://oauth2.googleapis.com/token"
    NA_GOOGLE_CERTS_URL       = "https://www.googleapis.com/oauth2/v1/certs" # the keys of Google's ID tokens
    NA_GMAIL_TIMEOUT_S        = "15"                                         # one Gmail request; far inside api's timeout
    NA_MAIL_PUSH_AUDIENCE     = local.mail_push_audience
    NA_MAIL_PUSH_INVOKER      = local.mail_push_invoker
    # Connect Google (docs/mail.md): the consent page, the revocation on disconnect, and the topic a
    # connected mailbox is watched onto.
    NA_GOOGLE_AUTH_URL   = "https://accounts.google.com/o/oauth2/v2/auth"
    NA_GOOGLE_REVOKE_URL = "https://oauth2.googleapis.com/revoke"
    NA_MAIL_TOPIC        = local.mail_on ? google_pubsub_topic.gmail[0].id : ""

    # Vertex AI: Google's endpoint. Explicit, so a loopback stub from a test can never reach production.
    NA_MODEL_BASE_URL = ""
    # USD per million (input, output) tokens. A model missing here is priced at 0 and so never trips a
    # budget: variables.tf refuses a model_plan or model_draft that has no price.
    NA_MODEL_PRICES = jsonencode(var.model_prices)
    # Thinking tokens a model call may spend before it answers, by what it is for; billed as output
    # tokens, counted in each call's cost, and in tools/cost_model.py at these budgets.
    NA_MODEL_THINKING_PLAN   = "1024"
    NA_MODEL_THINKING_DRAFT  = "4096"
    NA_MODEL_THINKING_REVIEW = "1024"
    NA_MODEL_THINKING_ANSWER = "512"
    NA_MODEL_THINKING_REPLAN = "1024"
    NA_MODEL_THINKING_REPAIR = "1024"
    # The prompts' version (shared/platform/prompts): empty, the newest; an older one rolls the wording back.
    NA_PROMPT_VERSION = ""

    # The run engine's limits (docs/engine.md). The code's defaults are the production values.
    NA_RUN_MAX_STEPS              = "50"
    NA_RUN_LOOP_LIMIT             = "3"
    NA_RUN_MAX_CONSECUTIVE_ERRORS = "3"
    NA_PLAN_MAX_REASKS            = "2"
    NA_RUN_MAX_REPLANS            = "3"   # phases a run may plan after its first (docs/engine.md)
    NA_HANDOFF_MAX_DEPTH          = "3"   # hand-offs in a chain of agents' runs
    NA_FAN_IN_WAIT_S              = "30"  # a fan_in's wait before it looks at its children again
    NA_FAN_OUT_MAX_RUNNING        = "3"   # children of one map running at once (Notion: 3/s)
    NA_DEBATE_MAX_ROUNDS          = "2"   # rounds of a debate (docs/engine.md, multi-agent patterns)
    NA_PATTERN_STAGE_DEADLINE_S   = "900" # a debate's or panel's stage before its stuck children are cancelled
    NA_UNDO_WINDOW_DAYS           = "30"  # how long after a run ended it may be undone (docs/undo)
    NA_STREAM_DEADLINE_S          = "25"  # a Server-Sent Events stream ends itself before the api's 30 s timeout
    NA_STREAM_POLL_S              = "1"   # how often a stream reads what is new
    # The plan queue's max_attempts (tasks.tf; tests/infra/terraform/test_task_retries.py holds them equal):
    # its last attempt records a planning that still fails.
    NA_PLAN_MAX_ATTEMPTS = "12"
    # A step's intent must outlive the function that holds it: execute-step may run for its whole
    # timeout (600 s, functions.tf), so the lease is that plus a minute. A shorter lease would let a
    # redelivery (or the sweeper) reconcile while the first delivery is still acting.
    NA_STEP_LEASE_S = "660"
    # Retry-After up to 10 s: the execute-step queue's own backoff (min 5 s); longer: a delayed task.
    NA_STEP_RETRY_INLINE_S = "10"
    # A running run untouched this long is re-enqueued by the sweeper (every 5 min, scheduler.tf).
    # Above the step lease, so the sweeper never races a step that may still be acting.
    NA_SWEEP_STALL_S = "900"
    # Daily planning (POST /schedule on plan): a call streams up to 5,000 tenants from one query and
    # creates their tasks 100 tenants at a time (16 at once) while a thread reads the next pages; a
    # call that reads 5,000 enqueues its continuation. At tens of ms a creation, 5,000 tenants' tasks take well
    # under a minute, inside plan's 300 s timeout (decision 0103).
    NA_SCHEDULE_PAGE_SIZE    = "100"
    NA_SCHEDULE_CALL_TENANTS = "5000"

    # Budgets of tenants that set none, and how long an instance reuses a tenant's summed spend.
    NA_DEFAULT_RUN_BUDGET_USD   = tostring(var.default_budgets_usd.run)
    NA_DEFAULT_DAY_BUDGET_USD   = tostring(var.default_budgets_usd.day)
    NA_DEFAULT_MONTH_BUDGET_USD = tostring(var.default_budgets_usd.month)
    NA_SPEND_CACHE_TTL_S        = "60"
    # The deployment's daily model spend over every workspace, checked before each call; each call
    # reserves 10 cents of it first, and of the run's, day's and month's budgets (decision 0084):
    # above one drafting call with its thinking budget at today's prices (about 8 cents). The cap is
    # derived from the expected tenants (variables.tf, local.spend_cap_day_usd) unless set.
    NA_SPEND_CAP_DAY_USD      = tostring(local.spend_cap_day_usd)
    NA_MODEL_CALL_RESERVE_USD = "0.10"

    # Who may connect a new workspace (docs/decisions/0051-who-may-connect.md).
    NA_SIGNUP_POLICY        = var.signup_policy
    NA_SIGNUP_WORKSPACE_IDS = var.signup_workspace_ids
    NA_SIGNUP_EMAIL_DOMAINS = var.signup_email_domains

    NA_APPROVAL_LINK_TTL_S = "259200" # approve/reject links in notifications stay valid 3 days
  }
}
