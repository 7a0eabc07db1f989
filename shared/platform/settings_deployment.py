"""The settings' first fields: the deployment (project, queues, secrets) and the models (which, where,
prices, thinking, routes, fallback, search and reranking). :class:`shared.platform.settings_fields.SettingsFields`
adds the rest; docs/settings.md lists them in this order."""

from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class DeploymentFields(BaseSettings):
    """The deployment's and the models' fields of :class:`shared.platform.config.Settings`, first in docs/settings.md."""

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
    mcp_timeout_s: float = Field(
        20.0, gt=0, le=120, description="Seconds an MCP tool call may take before it counts as failed."
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
    model_thinking_plan: int = _thinking(1024, "a planning call, and of a repair of a step's arguments")
    model_thinking_draft: int = _thinking(4096, "a drafting call (text and code)")
    model_thinking_review: int = _thinking(1024, "a reviewer pass over a step's effect")
    model_thinking_answer: int = _thinking(512, "an Ask answer from the workspace index")
    # The second model family (issue 69, decision 0092): which family answers each kind of call, and
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
