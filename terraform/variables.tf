variable "project_id" {
  type        = string
  description = "Google Cloud project that receives every resource of this deployment."
}

variable "region" {
  type        = string
  description = "Region of the functions, queues, scheduler jobs and buckets (NA_REGION)."
  default     = "europe-west1"
}

# No default: the database's location can never change after the first apply (a new value plans a
# replacement of the database), and a default would put it in a place the operator never chose. Set it
# to the region (or its multi-region, eur3 or nam5); an existing deployment keeps the location its
# database has (`gcloud firestore databases describe --database="(default)" --format="value(locationId)"`).
variable "firestore_location" {
  type        = string
  description = "Firestore location: usually the region (e.g. europe-west1) or a multi-region (eur3, nam5). Required; immutable once the database exists."

  validation {
    condition     = can(regex("^([a-z]+-[a-z]+[0-9]+|eur3|nam5|nam7)$", var.firestore_location))
    error_message = "firestore_location must be a Firestore location id: a region such as europe-west1 (usually var.region) or a multi-region (eur3, nam5, nam7)."
  }
}

variable "firestore_database" {
  type        = string
  description = "Firestore database id (NA_FIRESTORE_DATABASE); \"(default)\" uses the free tier."
  default     = "(default)"
}

# Firestore's scheduled backups keep a backup at most 14 weeks (docs/deploy.md, "Backups and restore").
variable "firestore_backup_retention_days" {
  type        = number
  description = "Days each daily Firestore backup is kept (1-98): restorable into a new database beside the 7 days of point-in-time recovery."
  default     = 14

  validation {
    condition     = var.firestore_backup_retention_days >= 1 && var.firestore_backup_retention_days <= 98 && floor(var.firestore_backup_retention_days) == var.firestore_backup_retention_days
    error_message = "firestore_backup_retention_days must be a whole number of days from 1 to 98 (Firestore keeps a scheduled backup at most 14 weeks)."
  }
}

variable "source_archive" {
  type        = string
  description = "Path of the archive written by `make package`, relative to the directory terraform runs in."
  default     = "../build/function-source.zip"

  validation {
    condition     = endswith(var.source_archive, ".zip")
    error_message = "source_archive must be the .zip written by `make package`."
  }
}

variable "min_instances" {
  type        = map(number)
  description = "Minimum warm instances per function, keyed by entry point; unlisted functions scale to zero. By default api keeps one, for a console page's first data (decision 0059; its cost is in tools/cost_model.py)."
  default     = { api = 1 }

  validation {
    condition     = alltrue([for n in values(var.min_instances) : n >= 0 && n <= 10])
    error_message = "min_instances values must be between 0 and 10."
  }
}

variable "max_instances" {
  type        = map(number)
  description = "Overrides of the per-function maximum instance counts set in functions.tf, keyed by entry point."
  default     = {}
}

variable "model_location" {
  type        = string
  description = "Vertex AI location for model calls, Gemini and embeddings (NA_MODEL_LOCATION): global, or a region (e.g. europe-west4) to keep prompts and answers there. docs/deploy.md, Where data lives."
  default     = "global"

  validation {
    condition     = can(regex("^(global|[a-z]+-[a-z]+[0-9]+)$", var.model_location))
    error_message = "model_location must be global or a Vertex AI region such as europe-west4."
  }
}

variable "secret_locations" {
  type        = list(string)
  description = "Locations of every Secret Manager secret's replicas (user-managed replication; NA_SECRET_LOCATIONS for the ones the code creates). Empty: the deployment's region. docs/deploy.md, Where data lives."
  default     = []

  validation {
    condition     = alltrue([for location in var.secret_locations : can(regex("^[a-z]+-[a-z]+[0-9]+$", location))]) && length(distinct(var.secret_locations)) == length(var.secret_locations)
    error_message = "secret_locations must be distinct regions such as europe-west1 (Secret Manager has no multi-region replica location)."
  }
}

variable "model_plan" {
  type        = string
  description = "Gemini model for planning and classification (NA_MODEL_PLAN): fast and cheap. docs/deploy.md, Models."
  default     = "gemini-3.5-flash-lite"
}

variable "model_draft" {
  type        = string
  description = "Gemini model for drafting text and code (NA_MODEL_DRAFT): strong. docs/deploy.md, Models."
  default     = "gemini-3.5-flash"
}

variable "model_embed" {
  type        = string
  description = "Vertex AI embedding model of the workspace index (NA_MODEL_EMBED); 768 values are asked of it. Decision 0065."
  default     = "gemini-embedding-001"
}

variable "model_prices" {
  type        = map(list(number))
  description = "USD per million [input, output] tokens by model name (NA_MODEL_PRICES); must price model_plan and model_draft (and should price model_embed)."
  default = {
    "gemini-3.5-flash-lite" = [0.30, 2.50]
    "gemini-3.5-flash"      = [1.50, 9.00]
    "gemini-embedding-001"  = [0.15, 0.0]
    "claude-haiku-4-5"      = [1.00, 5.00]
    "claude-sonnet-4-6"     = [3.00, 15.00]
  }

  # The functions read them as 64-bit floats: a price past the largest one is no number to them.
  # (pow, not an exponent literal: checkov's HCL parser cannot read one.)
  validation {
    condition     = alltrue([for price in values(var.model_prices) : length(price) == 2 && alltrue([for usd in price : usd >= 0 && usd <= pow(2, 1023) * 1.9999999999999998])])
    error_message = "model_prices values must be [input, output] prices in USD per million tokens, not negative (and finite: at most the largest 64-bit float, about 1.8 × 10^308)."
  }

  # A model without a price costs 0 in the code, so no budget would ever stop it.
  validation {
    condition     = contains(keys(var.model_prices), var.model_plan) && contains(keys(var.model_prices), var.model_draft)
    error_message = "model_prices must have a price for model_plan and for model_draft."
  }

  # Calls fall back to Claude (NA_MODEL_FALLBACK is on in settings.tf): its models need prices too.
  validation {
    condition     = contains(keys(var.model_prices), var.model_claude_plan) && contains(keys(var.model_prices), var.model_claude_draft)
    error_message = "model_prices must have a price for model_claude_plan and for model_claude_draft."
  }
}

variable "model_claude_plan" {
  type        = string
  description = "Claude model on Vertex AI for planning (NA_MODEL_CLAUDE_PLAN): fast; enabled in Model Garden. docs/models.md."
  default     = "claude-haiku-4-5"
}

variable "model_claude_draft" {
  type        = string
  description = "Claude model on Vertex AI for drafting text and code (NA_MODEL_CLAUDE_DRAFT): strong. docs/models.md."
  default     = "claude-sonnet-4-6"
}

variable "model_routes" {
  type        = map(string)
  description = "The model family (gemini or claude) answering each kind of call: plan, draft, review, code, answer (NA_MODEL_ROUTES). docs/models.md."
  default     = { plan = "gemini", draft = "gemini", review = "gemini", code = "gemini", answer = "gemini" }

  validation {
    condition     = alltrue([for kind, family in var.model_routes : contains(["plan", "draft", "review", "code", "answer"], kind) && contains(["gemini", "claude"], family)])
    error_message = "model_routes maps plan, draft, review, code or answer to gemini or claude."
  }
}

variable "model_review_family" {
  type        = string
  description = "route: a reviewer pass goes to model_routes' review family; other: to the family that does not draft (NA_MODEL_REVIEW_FAMILY)."
  default     = "route"

  validation {
    condition     = contains(["route", "other"], var.model_review_family)
    error_message = "model_review_family must be route or other."
  }
}

variable "default_budgets_usd" {
  type = object({
    run   = number
    day   = number
    month = number
  })
  description = "Model spend limits in USD for tenants that set none: per run, per tenant-day, per tenant-month (NA_DEFAULT_*_BUDGET_USD)."
  default = {
    run   = 1
    day   = 5
    month = 50
  }

  # The ranges of NA_DEFAULT_*_BUDGET_USD in shared/platform/config.py: up to the most an owner may choose.
  validation {
    condition     = var.default_budgets_usd.run >= 0 && var.default_budgets_usd.run <= 100
    error_message = "default_budgets_usd.run must be from 0 to 100 (USD per run)."
  }
  validation {
    condition     = var.default_budgets_usd.day >= 0 && var.default_budgets_usd.day <= 500
    error_message = "default_budgets_usd.day must be from 0 to 500 (USD per tenant-day)."
  }
  validation {
    condition     = var.default_budgets_usd.month >= 0 && var.default_budgets_usd.month <= 5000
    error_message = "default_budgets_usd.month must be from 0 to 5000 (USD per tenant-month)."
  }
}

# The deployment-wide model cap, derived from the cost model (tools/cost_model.py) for the tenants
# the deployment expects, unless spend_cap_day_usd sets it:
#   spend_cap_day_usd = ceil(expected_tenants x model_usd_per_tenant_day x spend_cap_headroom)
# The default, 100 x $0.43 x 3 = $129 a day. A fixed $100 stopped every tenant's calls at about 300
# tenants: raise expected_tenants as the deployment grows (docs/deploy.md, "Models").
variable "expected_tenants" {
  type        = number
  description = "Workspaces the deployment expects to serve; the daily model cap grows with it (spend_cap_day_usd's formula)."
  default     = 100

  validation {
    condition     = var.expected_tenants >= 1 && var.expected_tenants <= 100000 && floor(var.expected_tenants) == var.expected_tenants
    error_message = "expected_tenants must be a whole number from 1 to 100000."
  }
}

variable "model_usd_per_tenant_day" {
  type        = number
  description = "Model spend of one tenant in a day, in USD: tools/cost_model.py's figure for the dearer model family (Claude, the fallback, $0.42), rounded up to the cent; a test holds it to the cost model."
  default     = 0.43

  validation {
    condition     = var.model_usd_per_tenant_day > 0 && var.model_usd_per_tenant_day <= 10
    error_message = "model_usd_per_tenant_day must be more than 0 and at most 10 (USD per tenant-day)."
  }
}

variable "spend_cap_headroom" {
  type        = number
  description = "How many times the expected day's model spend the cap allows (busy days, heavy tenants, retries)."
  default     = 3

  validation {
    condition     = var.spend_cap_headroom >= 1 && var.spend_cap_headroom <= 20
    error_message = "spend_cap_headroom must be from 1 to 20."
  }
  validation {
    condition     = ceil(var.expected_tenants * var.model_usd_per_tenant_day * var.spend_cap_headroom) <= 1000000
    error_message = "expected_tenants x model_usd_per_tenant_day x spend_cap_headroom must be at most 1000000 (USD per day)."
  }
}

variable "spend_cap_day_usd" {
  type        = number
  description = "Most the deployment spends on models in a UTC day, all workspaces together (NA_SPEND_CAP_DAY_USD): a model call that would go past it is refused, in code, before it is made; 0 stops every model call. Unset (null): derived, ceil(expected_tenants x model_usd_per_tenant_day x spend_cap_headroom). Beside the project's billing alert (budget.tf), which never stops anything."
  default     = null
  nullable    = true

  validation {
    condition     = coalesce(var.spend_cap_day_usd, 0) >= 0 && coalesce(var.spend_cap_day_usd, 0) <= 1000000
    error_message = "spend_cap_day_usd must be from 0 to 1000000 (USD per day, all workspaces), or unset to derive it."
  }
}

locals {
  # Here, beside its variables, so that tests/infra evaluates it with variables.tf alone.
  spend_cap_day_usd = var.spend_cap_day_usd != null ? var.spend_cap_day_usd : ceil(var.expected_tenants * var.model_usd_per_tenant_day * var.spend_cap_headroom)
}

variable "signup_policy" {
  type        = string
  description = "Who may connect a new workspace (NA_SIGNUP_POLICY): invite, whoever brings an invite code from `make invite`; allowlist, the workspaces in signup_workspace_ids and the owners whose email domain is in signup_email_domains; open, anyone who finds the connect link (and spends the model budget)."
  default     = "invite"

  validation {
    condition     = contains(["open", "allowlist", "invite"], var.signup_policy)
    error_message = "signup_policy must be open, allowlist or invite."
  }
  validation {
    condition     = var.signup_policy != "allowlist" || trimspace(replace(var.signup_workspace_ids, ",", "")) != "" || trimspace(replace(var.signup_email_domains, ",", "")) != ""
    error_message = "signup_policy allowlist needs signup_workspace_ids or signup_email_domains (an empty allowlist admits nobody)."
  }
}

variable "signup_workspace_ids" {
  type        = string
  description = "Comma-separated Notion workspace ids the allowlist admits (NA_SIGNUP_WORKSPACE_IDS)."
  default     = ""

  validation {
    condition     = alltrue([for id in split(",", var.signup_workspace_ids) : trimspace(id) == "" || can(regex("^([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", lower(trimspace(id))))])
    error_message = "signup_workspace_ids must be Notion workspace ids (UUIDs), separated by commas."
  }
}

variable "signup_email_domains" {
  type        = string
  description = "Comma-separated email domains the allowlist admits, exactly (example.com admits no a.example.com) (NA_SIGNUP_EMAIL_DOMAINS)."
  default     = ""

  validation {
    condition     = alltrue([for domain in split(",", var.signup_email_domains) : trimspace(domain) == "" || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", lower(trimspace(domain))))])
    error_message = "signup_email_domains must be domains such as example.com, separated by commas."
  }
}

variable "public_domain" {
  type        = string
  description = "Domain that serves the browser- and Notion-facing endpoints through the load balancer (e.g. agent.example.com); its DNS A record must point at the load balancer's address (output public_ip_address)."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]*[a-z0-9]$", var.public_domain))
    error_message = "public_domain must be a lower-case host name such as agent.example.com: no scheme, path, port or trailing dot."
  }
}

variable "cloud_armor" {
  type        = bool
  description = "Attach a Cloud Armor policy (Log4j probe rule) to the public load balancer's backends; about $7 a month plus $0.75 per million requests."
  default     = false
}

variable "lb_log_sample_rate" {
  type        = number
  description = "Fraction of the public load balancer's requests written to Cloud Logging (0-1)."
  default     = 1

  validation {
    condition     = var.lb_log_sample_rate >= 0 && var.lb_log_sample_rate <= 1
    error_message = "lb_log_sample_rate must be between 0 and 1."
  }
}

variable "webhook_verification_until" {
  type        = string
  description = "Until when notion-webhook stores the verification token a new webhook subscription sends (NA_WEBHOOK_VERIFICATION_UNTIL), as 2026-11-22T15:00:00Z; empty (the default): never. Set it shortly ahead while creating or replacing the subscription (docs/deploy.md)."
  default     = ""

  validation {
    condition     = var.webhook_verification_until == "" || can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$", var.webhook_verification_until))
    error_message = "webhook_verification_until must be empty or a time with its offset, such as 2026-11-22T15:00:00Z."
  }
}

variable "frontend_url" {
  type        = string
  description = "Where the browser is sent after connecting a workspace, and the one origin api's CORS admits (NA_FRONTEND_URL). Empty (the default): the owner's console, https://PUBLIC_DOMAIN/ (console.tf). Set it only for a frontend of your own elsewhere."
  default     = ""

  validation {
    condition     = var.frontend_url == "" || startswith(var.frontend_url, "https://")
    error_message = "frontend_url must be empty (the console at https://PUBLIC_DOMAIN/) or an https:// URL."
  }
}

variable "notion_api_base_url" {
  type        = string
  description = "Base URL of Notion's API (NA_NOTION_API_BASE_URL)."
  default     = "https://api.notion.com"

  validation {
    condition     = startswith(var.notion_api_base_url, "https://")
    error_message = "notion_api_base_url must be an https:// URL."
  }
}

variable "log_level" {
  type        = string
  description = "Minimum log severity of the functions (NA_LOG_LEVEL)."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "connect_cookie_samesite" {
  type        = string
  description = "SameSite of the connect nonce cookie (NA_CONNECT_COOKIE_SAMESITE). Lax: the cookie comes back on Notion's top-level redirect to /oauth/callback, and the console calls GET /connect from the same origin; None only when a frontend_url of another site calls it."
  default     = "Lax"

  validation {
    condition     = contains(["Lax", "Strict", "None"], var.connect_cookie_samesite)
    error_message = "connect_cookie_samesite must be Lax, Strict or None."
  }
}

variable "secret_cache_ttl_s" {
  type        = number
  description = "Seconds a secret value is cached per instance (NA_SECRET_CACHE_TTL_S)."
  default     = 300

  validation {
    condition     = var.secret_cache_ttl_s >= 0 && var.secret_cache_ttl_s <= 3600
    error_message = "secret_cache_ttl_s must be from 0 to 3600 (seconds; 0: read every time)."
  }
}

variable "tasks_log_sampling_ratio" {
  type        = number
  description = "Fraction of Cloud Tasks attempts logged (0-1); every attempt costs a log entry."
  default     = 0.1
}

variable "smtp" {
  description = <<-EOT
    The SMTP relay of email notifications (SendGrid, Mailgun, Amazon SES, Google Workspace, ...).
    host empty: no email. The password is the secret smtp-password (docs/deploy.md).
  EOT
  type = object({
    host     = optional(string, "")
    port     = optional(number, 587)
    security = optional(string, "starttls") # starttls | tls (port 465); never plain text in production
    username = optional(string, "")
    sender   = optional(string, "") # the From: "Notion Agent <agent@example.com>"
  })
  default = { host = "", port = 587, security = "starttls", username = "", sender = "" }

  validation {
    condition     = contains(["starttls", "tls"], var.smtp.security)
    error_message = "smtp.security must be starttls or tls: a password never crosses a network in plain text."
  }
  validation {
    condition     = var.smtp.host == "" || can(regex("<?[^@<>\\s]+@[^@<>\\s]+>?$", var.smtp.sender))
    error_message = "smtp.sender must hold the From address (e.g. \"Notion Agent <agent@example.com>\") when smtp.host is set."
  }
  validation {
    condition     = var.smtp.port >= 1 && var.smtp.port <= 65535 && floor(var.smtp.port) == var.smtp.port
    error_message = "smtp.port must be a whole number from 1 to 65535 (587 for STARTTLS, 465 for TLS)."
  }
  # Port 465 speaks TLS from the start, 587 takes STARTTLS; another port may take either.
  validation {
    condition     = var.smtp.host == "" || !contains([465, 587], var.smtp.port) || (var.smtp.port == 465) == (var.smtp.security == "tls")
    error_message = "smtp.security must agree with smtp.port when smtp.host is set: port 465 takes security = \"tls\", port 587 takes security = \"starttls\"."
  }
}

variable "alert_email" {
  type        = string
  description = "Email address that receives the alerts; empty to attach only alert_notification_channels."
  default     = ""
}

variable "alert_notification_channels" {
  type        = list(string)
  description = "Existing Cloud Monitoring notification channel ids to attach to every alert policy."
  default     = []
}

variable "alert_thresholds" {
  type = object({
    failed_runs_per_5m        = number
    webhook_rejections_per_5m = number
    budget_exceeded_per_hour  = number
    task_delay_p99_ms         = number
    http_5xx_share            = optional(number, 0.05) # of a function's requests over 5 minutes
    rerank_failures_per_hour  = optional(number, 10)   # ranking API calls failed or timed out
    model_fallbacks_per_hour  = optional(number, 20)   # calls answered by the other model family
  })
  description = "Thresholds of the alert policies in monitoring.tf."
  default = {
    failed_runs_per_5m        = 5
    webhook_rejections_per_5m = 20
    budget_exceeded_per_hour  = 1
    task_delay_p99_ms         = 600000
    http_5xx_share            = 0.05
    rerank_failures_per_hour  = 10
    model_fallbacks_per_hour  = 20
  }
}

variable "state_bucket" {
  type        = string
  description = "Name of the GCS bucket holding Terraform state (the one given to `terraform init -backend-config`)."
}

variable "github_owner" {
  type        = string
  description = "GitHub owner of the repository for the Cloud Build triggers; empty to create no trigger."
  default     = ""
}

variable "github_repo" {
  type        = string
  description = "GitHub repository name for the Cloud Build triggers (the GitHub app must be connected first)."
  default     = ""
}

variable "billing_account" {
  type        = string
  description = "Billing account id (XXXXXX-XXXXXX-XXXXXX) of the project: creates a Cloud Billing budget on the project's whole spend, alerting alert_email and alert_notification_channels. Empty: no budget."
  default     = ""

  validation {
    condition     = var.billing_account == "" || can(regex("^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", var.billing_account))
    error_message = "billing_account must be empty or a billing account id such as 012345-6789AB-CDEF01 (gcloud billing projects describe PROJECT)."
  }
}

variable "billing_budget" {
  type = object({
    amount     = number
    thresholds = optional(list(number), [0.5, 0.9, 1.0])
  })
  description = "The project's monthly budget when billing_account is set: amount in the billing account's currency (whole units), and the fractions of it (actual spend) that send an alert."
  default     = { amount = 1000, thresholds = [0.5, 0.9, 1.0] }

  validation {
    condition     = var.billing_budget.amount >= 1 && floor(var.billing_budget.amount) == var.billing_budget.amount
    error_message = "billing_budget.amount must be a whole number of at least 1 (the billing account's currency)."
  }
  validation {
    condition     = length(var.billing_budget.thresholds) >= 1 && alltrue([for t in var.billing_budget.thresholds : t > 0 && t <= 10])
    error_message = "billing_budget.thresholds must list at least one fraction of the amount, each above 0 and at most 10 (1.0 = the whole budget)."
  }
}

variable "iam_propagation_wait" {
  type        = string
  description = "How long the first apply waits after the project-level grants before building the functions (IAM propagation)."
  default     = "120s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.iam_propagation_wait))
    error_message = "iam_propagation_wait must be a number of seconds, e.g. \"120s\"."
  }
}

variable "log_metric_wait" {
  type        = string
  description = "How long an apply that creates a log-based metric waits before creating its alert policy (a new metric can take up to 10 minutes to be known to Cloud Monitoring)."
  default     = "600s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.log_metric_wait))
    error_message = "log_metric_wait must be a number of seconds, e.g. \"600s\"."
  }
}

variable "sync_oauth" {
  description = <<-EOT
    The sync's OAuth apps (docs/sync.md): Linear's client id and actor (user, or app: Linear shows
    our writes as the app's), and GitLab's client id at its instance (gitlab.com or a self-managed
    https URL).
    An empty client id: that tool connects with an API key or access token only.
  EOT
  type = object({
    linear_client_id = optional(string, "")
    linear_actor     = optional(string, "user") # user | app (actor=app: the app authors our writes)
    gitlab_client_id = optional(string, "")
    gitlab_base_url  = optional(string, "https://gitlab.com")
  })
  default = { linear_client_id = "", linear_actor = "user", gitlab_client_id = "", gitlab_base_url = "https://gitlab.com" }

  validation {
    condition     = contains(["user", "app"], var.sync_oauth.linear_actor)
    error_message = "sync_oauth.linear_actor must be user or app."
  }
  validation {
    condition     = startswith(var.sync_oauth.gitlab_base_url, "https://")
    error_message = "sync_oauth.gitlab_base_url must be an https:// URL."
  }
}

variable "google_oauth_client_id" {
  description = <<-EOT
    Client id of the deployment's Google OAuth client for agents' mailboxes (docs/mail.md): Gmail's
    notifications come through mail.tf's Pub/Sub topic. Empty: no mailboxes, no topic.
  EOT
  type        = string
  default     = ""
}

variable "slack_client_id" {
  description = <<-EOT
    Client id of the deployment's Slack app (docs/deploy.md, "The Slack app"): the console's "Add to
    Slack" installs it with Slack's OAuth v2. Empty: Slack connects with a pasted bot token only.
  EOT
  type        = string
  default     = ""
}
