"""Monthly cost estimate of a deployment, by service, from written-down usage assumptions and prices.

`python tools/cost_model.py` prints the Markdown table that docs/deploy.md embeds (a test keeps them
equal). Prices are Google Cloud list prices in USD for a Tier 1 region (europe-west1/us-central1)
as published in 2025; check the pricing pages before relying on them. Free tiers are applied once
per project (Cloud Run functions' and Cloud Tasks' are per billing account: assumed unused elsewhere).
"""

from dataclasses import dataclass, replace

DAYS = 30
# Instances kept warm all month, by entry point: terraform/variables.tf's default of min_instances (a
# test holds them equal). api only: a person waits on its first answer (decision 0059).
WARM_INSTANCES = {"api": 1}
# Days each daily Firestore backup is kept: terraform/variables.tf's firestore_backup_retention_days
# default (a test holds them equal).
BACKUP_RETENTION_DAYS = 14


@dataclass(frozen=True)
class Usage:
    """What one tenant does in a day (assumptions)."""

    webhook_events: float = 40  # deliveries received (bulk edits aggregate; most are filtered out)
    runs: float = 5  # 1 daily plan + 4 triggered by events or people
    steps_per_run: float = 6
    notifications: float = 3
    deploys: float = 0.2  # runs that build code are rare
    api_requests: float = 20  # frontend polling of timelines, approvals, settings
    # Bytes through the load balancer, request and response together (KiB): a webhook delivery is a
    # small signed JSON event and a short answer; an API answer is a page of runs or a timeline.
    webhook_kib: float = 3
    api_kib: float = 10
    # Share of steps that call a model, and of those, the share that use the draft (pro) model.
    model_step_share: float = 0.6
    draft_share: float = 0.15
    # The workspace index (docs/memory.md): pages chosen, passages a page makes, pages edited a day,
    # searches (the planner's and search_workspace's), tokens a passage embeds.
    indexed_pages: float = 1_000
    passages_per_page: float = 4
    page_edits: float = 20
    searches: float = 10
    passage_tokens: float = 350
    # Ask questions a day (console, sessions, Slack): each one search of the index (reranked) and one
    # answer on the fast model.
    asks: float = 3
    # Share of model calls the second family answers (docs/models.md, "The fallback"): Gemini did
    # not answer in time or failed; priced at Claude's rates, without thinking.
    fallback_share: float = 0.05
    # Secret versions a tenant keeps: its Notion token and, on average, three more (a tracker's,
    # GitHub's or Vercel's, a chat's, an MCP server's, an outgoing webhook's signing secret).
    secrets_per_tenant: float = 4


@dataclass(frozen=True)
class Tokens:
    """Tokens per model call (context is bounded by the project's own context building)."""

    plan_in: int = 8_000
    plan_out: int = 1_000
    step_in: int = 6_000
    step_out: int = 600
    draft_in: int = 12_000
    draft_out: int = 2_500
    # Thinking tokens, billed as output tokens (Vertex AI's output price covers response and
    # reasoning), counted at each kind's thinking budget (NA_MODEL_THINKING_*; a test holds them equal):
    # an upper bound, the model thinks less on easy calls. A plan call's, a step's on the fast model
    # (a repair or a reviewer pass: NA_MODEL_THINKING_REPAIR, _REVIEW), a draft's.
    plan_think: int = 1_024
    step_think: int = 1_024
    draft_think: int = 4_096
    # An Ask answer (fast model): the question and its cited passages in, a short answer out, its
    # thinking at NA_MODEL_THINKING_ANSWER.
    ask_in: int = 5_000
    ask_out: int = 400
    ask_think: int = 512


@dataclass(frozen=True)
class Prices:
    # Cloud Tasks: per million operations (task creations/dispatches billed as 1 op per task)
    tasks_per_million: float = 0.40
    tasks_free_ops: float = 1_000_000
    # Firestore Standard, per 100k operations and per GiB-month; daily free quota x 30
    fs_read_100k: float = 0.03
    fs_write_100k: float = 0.09
    fs_delete_100k: float = 0.01
    fs_gib_month: float = 0.15
    fs_free_reads: float = 50_000 * DAYS
    fs_free_writes: float = 20_000 * DAYS
    fs_free_deletes: float = 20_000 * DAYS
    fs_free_gib: float = 1.0
    # Cloud Run functions (request-based billing, Tier 1)
    vcpu_second: float = 0.000024
    gib_second: float = 0.0000025
    requests_per_million: float = 0.40
    free_vcpu_seconds: float = 180_000
    free_gib_seconds: float = 360_000
    free_requests: float = 2_000_000
    # An idle minimum instance (request-based billing, Tier 1), billed every second it is kept warm,
    # outside the free tier here (an upper bound: its active seconds are counted above as well).
    idle_vcpu_second: float = 0.0000025
    idle_gib_second: float = 0.0000025
    # Secret Manager
    secret_version_month: float = 0.06
    free_secret_versions: float = 6
    secret_access_10k: float = 0.03
    free_secret_accesses: float = 10_000
    # Global external Application Load Balancer (the public origin; Cloud Load Balancing pricing page,
    # 2025 list prices): forwarding rules are billed by the hour, $0.025 for the first five of a
    # project together (we have two: HTTPS and the HTTP redirect), ~$18 a month whatever the traffic;
    # data processed $0.008 per GiB, counted here for request and response bytes alike (an upper bound).
    lb_rules_hour: float = 0.025
    lb_gib_processed: float = 0.008
    # Gemini on Vertex AI, per million tokens, global endpoint: 3.5 Flash-Lite for plan/steps
    # ("flash"), 3.5 Flash for drafts ("pro", the strong model; docs/deploy.md, Models)
    flash_in: float = 0.30
    flash_out: float = 2.50
    pro_in: float = 1.50
    pro_out: float = 9.00
    # gemini-embedding-001 on Vertex AI, per million input tokens (decision 0065)
    embed_in: float = 0.15
    # Vertex AI's ranking API (decision 0098): USD per 1,000 queries of up to 100 records; each
    # search's first 30 are one query (NA_RERANK_PRICE_PER_1K, a test holds them equal).
    rank_per_1k: float = 1.00
    # Firestore's daily backups and point-in-time recovery, priced per GiB-month as stored data here
    # (no free quota applies to either); check the pricing page for the region's backup rate.
    backup_gib_month: float = 0.15
    # Claude on Vertex AI, the second family (docs/models.md, decision 0092), per million tokens:
    # Haiku 4.5 the fast model, Sonnet 4.6 the strong one; what a call that falls back costs.
    claude_fast_in: float = 1.00
    claude_fast_out: float = 5.00
    claude_strong_in: float = 3.00
    claude_strong_out: float = 15.00


# (invocations per tenant-day, seconds per invocation, vCPU, GiB). Billed as if each request had its
# instance alone (concurrency gives a lower real bill: this is an upper bound for compute).
def _invocations(u: Usage) -> dict[str, tuple[float, float, float, float]]:
    steps = u.runs * u.steps_per_run
    return {
        "notion_webhook": (u.webhook_events, 0.3, 1.0, 0.5),
        "plan": (u.runs, 15.0, 1.0, 1.0),
        "execute_step": (steps, 8.0, 1.0, 1.0),
        "deploy": (u.deploys * 4, 5.0, 1.0, 0.5),
        "notify": (u.notifications, 1.0, 1.0, 0.5),
        "api": (u.api_requests, 0.2, 1.0, 0.5),
    }


def warm_instances(u: Usage = Usage(), p: Prices = Prices()) -> float:
    """USD per month of the ``WARM_INSTANCES`` kept idle, each sized as its function (``_invocations``)."""
    sizes = _invocations(u)
    month_s = DAYS * 24 * 3600
    return sum(
        count * month_s * (sizes[key][2] * p.idle_vcpu_second + sizes[key][3] * p.idle_gib_second)
        for key, count in WARM_INSTANCES.items()
    )


def _over(amount: float, free: float) -> float:
    return max(0.0, amount - free)


def estimate(
    tenants: int, u: Usage = Usage(), t: Tokens = Tokens(), p: Prices = Prices()
) -> dict[str, float]:
    """USD per month by service for `tenants` tenants."""
    n = tenants * DAYS
    steps = u.runs * u.steps_per_run
    invocations = _invocations(u)

    tasks = n * (u.runs + steps + u.notifications + u.deploys * 4)
    # Fixed per project: hourly fan-out (24) and sweeper (288) calls a day.
    fixed_calls = DAYS * (24 + 288)

    # Per run 6 reads and 3 writes, plus its page (a page's change): claiming it (1 write, or 2 reads
    # and 1 write to take it over from its ended run), releasing it when the run ends (1 read, 1
    # write) and one later change that finds it held (3 reads, 1 write to remember the change),
    # and its reserved start (2 reads, 2 writes, 1 TTL delete), counted for every run: an upper bound.
    # Daily planning reads every active tenant once an hour (24 a day), and each hourly tick reads and
    # writes the last tick recorded (schedule/daily, for catching up missed ticks): fixed. A webhook
    # event that starts work is recorded and then marked enqueued (2 writes); an api request reads
    # the tenant to check its session's epoch (1 of its 6 reads).
    reads = (
        n * (u.webhook_events * 2 + u.runs * 14 + steps * 4 + u.notifications * 2 + u.api_requests * 6 + 24)
        + DAYS * 24
    )
    writes = n * (u.webhook_events * 0.6 + u.runs * 8 + steps * 3 + u.notifications * 2) + DAYS * 24
    deletes = n * (u.webhook_events * 0.3 + u.runs)  # TTL expiry: de-duplication records, run starts
    # The api's pace (decision 0075): each request adds to its person's counter of the window (1 write;
    # a key's request 2, counted as 1: the console's polls are sessions'), a counter expiring with its
    # window (1 TTL delete, counted for every request: an upper bound).
    writes += n * u.api_requests
    deletes += n * u.api_requests
    stored_gib = tenants * 0.02  # ~20 MiB per tenant: run logs and their events
    # The workspace index: each edit re-embeds one passage (1 write, the page's record and the stats:
    # 3 writes; 2 reads: the page's record, Notion's page); the daily reconcile reads every page's
    # record; a search reads its 30 nearest passages, one read per 100 vector index entries scanned
    # (all the tenant's passages: a flat index) and at most 300 keyword candidates (300 counted).
    passages = u.indexed_pages * u.passages_per_page
    reads += n * (u.page_edits * 2 + u.indexed_pages + u.searches * (30 + passages / 100 + 300))
    writes += n * u.page_edits * 3
    # Each embedding call (an edit's, a search's question) is paid as a model call: the daily cap's
    # counter reserved and settled, and one event in the tenant's spend ledger (3 writes).
    writes += n * (u.page_edits + u.searches) * 3
    # Every model call (a plan's, a model step's, an embedding's) reserves on its run's, day's and
    # month's budget counters in one batch and settles them in another: 6 writes (decision 0084).
    writes += n * (u.runs + steps * u.model_step_share + u.page_edits + u.searches) * 6
    stored_gib += tenants * passages * 8 / 1024**2  # ~8 KiB a passage: 768 values, text, terms
    firestore = (
        _over(reads, p.fs_free_reads) / 1e5 * p.fs_read_100k
        + _over(writes, p.fs_free_writes) / 1e5 * p.fs_write_100k
        + _over(deletes, p.fs_free_deletes) / 1e5 * p.fs_delete_100k
        + _over(stored_gib, p.fs_free_gib) * p.fs_gib_month
    )

    vcpu_s = sum(n * c * s * v for c, s, v, _ in invocations.values()) + fixed_calls * 2.0
    gib_s = sum(n * c * s * g for c, s, _, g in invocations.values()) + fixed_calls * 2.0
    requests = sum(n * c for c, *_ in invocations.values()) + fixed_calls
    functions = (
        _over(vcpu_s, p.free_vcpu_seconds) * p.vcpu_second
        + _over(gib_s, p.free_gib_seconds) * p.gib_second
        + _over(requests, p.free_requests) / 1e6 * p.requests_per_million
        + warm_instances(u, p)
    )

    versions = 4 + tenants * u.secrets_per_tenant  # platform secrets + each tenant's
    accesses = n * (u.runs + steps + u.notifications) * 0.2  # 300 s instance cache absorbs most
    secrets = (
        _over(versions, p.free_secret_versions) * p.secret_version_month
        + _over(accesses, p.free_secret_accesses) / 1e4 * p.secret_access_10k
    )

    gemini, claude = (
        model_tokens_usd(tenants, "gemini", u, t, p),
        model_tokens_usd(tenants, "claude", u, t, p),
    )
    model = (1 - u.fallback_share) * gemini
    fallback = u.fallback_share * claude

    # Every search and every Ask is reranked once: one ranking query each.
    ranking = n * (u.searches + u.asks) * p.rank_per_1k / 1e3
    # A daily backup kept firestore_backup_retention_days (terraform: 14): that many copies of the
    # database, and point-in-time recovery's 7 days of versions, counted as one more copy.
    backups = stored_gib * (BACKUP_RETENTION_DAYS + 1) * p.backup_gib_month

    # A month after the first: each edit's passage and each search's question (about 20 tokens). The
    # first indexing is once per tenant (:func:`first_index_usd`), not a monthly cost.
    embed_tokens = n * (u.page_edits * u.passage_tokens + (u.searches + u.asks) * 20)
    embeddings = embed_tokens * p.embed_in / 1e6

    lb_gib = n * (u.webhook_events * u.webhook_kib + u.api_requests * u.api_kib) / 1024**2
    load_balancer = DAYS * 24 * p.lb_rules_hour + lb_gib * p.lb_gib_processed

    return {
        "Cloud Tasks": _over(tasks, p.tasks_free_ops) / 1e6 * p.tasks_per_million,
        "Firestore": firestore,
        "Cloud Run functions": functions,
        "Secret Manager": secrets,
        "Gemini tokens (Vertex AI)": model,
        "Claude fallback tokens (Vertex AI)": fallback,
        "Index embeddings (Vertex AI)": embeddings,
        "Ranking API (Vertex AI)": ranking,
        "Firestore backups and PITR": backups,
        "Load balancer (public origin)": load_balancer,
    }


def model_tokens_usd(
    tenants: int, family: str = "gemini", u: Usage = Usage(), t: Tokens = Tokens(), p: Prices = Prices()
) -> float:
    """USD per month of the model calls of ``tenants`` tenants (runs' and Ask's), every call answered
    by ``family`` (gemini: with its thinking at the budgets; claude, the fallback: no thinking,
    docs/models.md)."""
    n = tenants * DAYS
    model_steps = u.runs * u.steps_per_run * u.model_step_share
    think = family == "gemini"
    fast_in = n * (u.runs * t.plan_in + model_steps * (1 - u.draft_share) * t.step_in)
    fast_out = n * (
        u.runs * (t.plan_out + think * t.plan_think)
        + model_steps * (1 - u.draft_share) * (t.step_out + think * t.step_think)
    )
    strong_in = n * model_steps * u.draft_share * t.draft_in
    strong_out = n * model_steps * u.draft_share * (t.draft_out + think * t.draft_think)
    fast_in += n * u.asks * t.ask_in
    fast_out += n * u.asks * (t.ask_out + think * t.ask_think)
    if family == "gemini":
        prices = (p.flash_in, p.flash_out, p.pro_in, p.pro_out)
    else:
        prices = (p.claude_fast_in, p.claude_fast_out, p.claude_strong_in, p.claude_strong_out)
    tokens = (fast_in, fast_out, strong_in, strong_out)
    return sum(count * price for count, price in zip(tokens, prices, strict=True)) / 1e6


# Of Gemini's input tokens, the share Vertex AI's implicit cache served on the eval tasks (make
# bench-tokens, decision 0214). Not counted in :func:`estimate` (a hit is not promised): shown apart.
MEASURED_CACHED_SHARE = 0.96


def cached_saving(
    tenants: int, share: float = MEASURED_CACHED_SHARE, u: Usage = Usage(), p: Prices = Prices()
) -> float:
    """USD a month Gemini's line (the calls the fallback does not answer) would be lower for
    ``tenants`` if ``share`` of its input tokens were served by the cache, each at a tenth of the
    input price (model_calls.CACHED_INPUT_SHARE)."""
    kept = 1 - share * 0.9
    cached = Prices(**{**p.__dict__, "flash_in": p.flash_in * kept, "pro_in": p.pro_in * kept})
    full, less = model_tokens_usd(tenants, "gemini", u, p=p), model_tokens_usd(tenants, "gemini", u, p=cached)
    return (1 - u.fallback_share) * (full - less)


# A smaller plan budget the bench measured (make bench-tokens --thinking plan=256, decision 0226): its
# tokens, not its quality, which only the eval tasks on Vertex AI can show. Shown apart, not counted.
SMALLER_PLAN_THINKING = 256


def thinking_saving(
    tenants: int, plan_think: int = SMALLER_PLAN_THINKING, u: Usage = Usage(), t: Tokens = Tokens()
) -> float:
    """USD a month Gemini's line (the calls the fallback does not answer) would be lower for
    ``tenants`` if each plan thought ``plan_think`` tokens instead of ``t.plan_think``."""
    full = model_tokens_usd(tenants, "gemini", u, t)
    less = model_tokens_usd(tenants, "gemini", u, replace(t, plan_think=plan_think))
    return (1 - u.fallback_share) * (full - less)


def first_index_usd(u: Usage = Usage(), p: Prices = Prices()) -> float:
    """USD to embed one tenant's chosen pages the first time (every passage once)."""
    return u.indexed_pages * u.passages_per_page * u.passage_tokens * p.embed_in / 1e6


def markdown(tenant_counts: tuple[int, ...] = (100, 10_000)) -> str:
    rows = {count: estimate(count) for count in tenant_counts}
    services = list(rows[tenant_counts[0]])
    header = "| service | " + " | ".join(f"{c:,} tenants" for c in tenant_counts) + " |"
    lines = [header, "|---|" + "---:|" * len(tenant_counts)]
    for service in services:
        lines.append(
            f"| {service} | " + " | ".join(f"${rows[c][service]:,.2f}" for c in tenant_counts) + " |"
        )
    totals = " | ".join(f"**${sum(rows[c].values()):,.2f}**" for c in tenant_counts)
    lines.append(f"| **total per month** | {totals} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
