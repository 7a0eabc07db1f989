# Firestore (native mode) and what the queries need (docs/architecture.md, "State").
resource "google_firestore_database" "main" {
  name        = var.firestore_database
  location_id = var.firestore_location
  type        = "FIRESTORE_NATIVE"
  # Transactions lock what they read: two deliveries of one step serialise instead of both acting.
  concurrency_mode                  = "PESSIMISTIC"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  # `terraform destroy` leaves the data in place; deleting tenant data is a deliberate act.
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.enabled]
}

# A backup of the whole database every day, kept var.firestore_backup_retention_days days: beyond
# point-in-time recovery's 7 days, and restorable into a new database (docs/deploy.md, "Backups and
# restore"; `make restore-drill` rehearses the restore's check on the emulator).
resource "google_firestore_backup_schedule" "daily" {
  database  = google_firestore_database.main.name
  retention = "${var.firestore_backup_retention_days * 86400}s"

  daily_recurrence {}
}

# Composite indexes: one per query in shared/adapters/ that single-field indexes cannot serve.
# tests/infra/firestore/test_firestore.py holds this list against the queries of the code, both ways.
# Not here, because automatic single-field indexes (collection scope) serve them:
#   FirestoreRunStore.list_events  tenants/{t}/runs/{r}/events: seq > n, order by seq
#   FirestoreRunStore.list_runs    tenants/{t}/runs: order by created_at DESC
#   FirestoreRunStore.held         tenants/{t}/runs: status in [waiting_for_human, paused]
locals {
  # Each index: its collection, its scope and its fields in order, each [field_path, order].
  firestore_indexes = {
    # FirestoreRunStore.stalled (the sweeper): runs in a status, not updated since a time, across all
    # tenants: status == ?, updated_at < ?.
    runs_by_status_updated = {
      collection = "runs", query_scope = "COLLECTION_GROUP"
      fields     = [["status", "ASCENDING"], ["updated_at", "ASCENDING"]]
    }
    # FirestoreRunStore.list_runs (GET /runs, the console): a tenant's runs newest first, in a total
    # order so a cursor starts a page exactly after the last (created_at DESC, run_id DESC), with
    # created_at >= the owner's start, filtered by status, by trigger, by both or by neither.
    runs_by_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields     = [["created_at", "DESCENDING"], ["run_id", "DESCENDING"]]
    }
    runs_by_status_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields     = [["status", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]]
    }
    runs_by_trigger_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields     = [["trigger", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]]
    }
    runs_by_status_trigger_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields = [
        ["status", "ASCENDING"], ["trigger", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]
      ]
    }
    # GET /runs?agent=: an agent's runs, alone or with status and trigger, in the same order.
    runs_by_agent_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields     = [["agent", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]]
    }
    runs_by_status_agent_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields = [
        ["status", "ASCENDING"], ["agent", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]
      ]
    }
    runs_by_trigger_agent_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields = [
        ["trigger", "ASCENDING"], ["agent", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]
      ]
    }
    runs_by_status_trigger_agent_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields = [
        ["status", "ASCENDING"], ["trigger", "ASCENDING"], ["agent", "ASCENDING"], ["created_at", "DESCENDING"],
        ["run_id", "DESCENDING"]
      ]
    }
    # FirestoreRunStore.children (GET /runs/{id}/related): the runs a run started (its
    # map's children, its hand-offs), oldest first: parent == ? order by created_at, run_id.
    runs_by_parent_created = {
      collection = "runs", query_scope = "COLLECTION"
      fields     = [["parent", "ASCENDING"], ["created_at", "ASCENDING"], ["run_id", "ASCENDING"]]
    }
    # FirestoreSpend.spend (budgets): sum(cost_usd) of a tenant's model_used run events of one day
    # and of one month: tenant_id == ?, kind == ?, day|month == ?. Collection-group scope has no
    # automatic single-field indexes, and sum() reads the summed field from the index, so it is the
    # last field of each index.
    events_spend_by_day = {
      collection = "events", query_scope = "COLLECTION_GROUP"
      fields     = [["tenant_id", "ASCENDING"], ["kind", "ASCENDING"], ["day", "ASCENDING"], ["cost_usd", "ASCENDING"]]
    }
    events_spend_by_month = {
      collection = "events", query_scope = "COLLECTION_GROUP"
      fields     = [["tenant_id", "ASCENDING"], ["kind", "ASCENDING"], ["month", "ASCENDING"], ["cost_usd", "ASCENDING"]]
    }
    # FirestoreSessions.sessions: a person's sessions with agents, newest first (shared/sessions):
    # member_id == ?, created_at < ?, order by created_at DESC.
    agent_sessions_by_member_created = {
      collection = "agent_sessions", query_scope = "COLLECTION"
      fields     = [["member_id", "ASCENDING"], ["created_at", "DESCENDING"]]
    }
    # FirestoreCalendarLinks.meetings_of (the day's plan): a workspace's meetings of a day, by start
    # (shared/calendar): tenant_id == ?, start >= ?, start < ?, order by start.
    calendar_meetings_by_tenant_start = {
      collection = "calendar_meetings", query_scope = "COLLECTION"
      fields     = [["tenant_id", "ASCENDING"], ["start", "ASCENDING"]]
    }
  }

  # Single-field indexes in collection-group scope, which Firestore does not make by itself. A field
  # listed here keeps only the indexes listed, so its automatic collection-scope ones are listed too.
  firestore_field_indexes = {
    # local/replay.py (`make replay RUN=<id>` without TENANT): the run's tenant, across all tenants:
    # collection group runs, run_id == ?.
    runs_run_id = {
      collection = "runs"
      field      = "run_id"
      indexes = [
        { query_scope = "COLLECTION", order = "ASCENDING" },
        { query_scope = "COLLECTION", order = "DESCENDING" },
        { query_scope = "COLLECTION_GROUP", order = "ASCENDING" },
      ]
    }
    # FirestoreSpend.stale_holds (the sweeper): model-call reservations never settled, across all
    # tenants: collection group spend_holds, release_after < now, oldest first (decision 0101).
    spend_holds_release_after = {
      collection = "spend_holds"
      field      = "release_after"
      indexes = [
        { query_scope = "COLLECTION", order = "ASCENDING" },
        { query_scope = "COLLECTION", order = "DESCENDING" },
        { query_scope = "COLLECTION_GROUP", order = "ASCENDING" },
      ]
    }
  }

  # TTL policies, on the field the code writes (shared/workspace/adapters/firestore_tenants.py).
  #
  # The collection-group name "events" is shared: tenants/{t}/events/{event_id} holds webhook
  # de-duplication records (FirestoreWebhookEvents: event_type, first_seen, expires_at) and
  # tenants/{t}/runs/{r}/events/{seq} holds run event logs (FirestoreRunStore). A TTL policy applies to
  # the whole collection group, and the spend indexes above span both. That is safe because:
  # - TTL deletes only documents that carry the field: run events never have `expires_at`
  #   (tests/infra/firestore/test_firestore.py checks every run event model and the stored document), so run
  #   logs are never expired;
  # - webhook records have no tenant_id, kind or day/month field, so they never enter the spend
  #   indexes nor match the spend query.
  # Renaming either subcollection, or adding `expires_at` to a run event, breaks this: the tests fail.
  firestore_ttls = {
    webhook_dedup = { collection = "events", field = "expires_at" }
    oauth_states  = { collection = "oauth_states", field = "expires_at" }
    page_runs     = { collection = "page_runs", field = "expires_at" }  # a page's active run (planning)
    run_starts    = { collection = "run_starts", field = "expires_at" } # a run's reserved start (planning)
    # the workspaces that asked one address to confirm it on a day (email confirmation's bound)
    email_recipients = { collection = "email_recipients", field = "expires_at" }
    # task bodies that could never become valid, kept 30 days for an operator (shared.platform.domain.dead_letters)
    dead_letters = { collection = "dead_letters", field = "expires_at" }
    # a day's plan page and the tasks it named, kept a week (shared.workspace.domain.day_plans.KEPT)
    day_plans = { collection = "day_plans", field = "expires_at" }
    # make doctor's checks, kept a day (shared.platform.services.doctor.KEEP)
    doctor_checks = { collection = "doctor_checks", field = "expires_at" }
    # the audit log, tenants/{t}/audit/{entry_id}: each entry kept its tenant's audit_retention_days
    # (PUT /audit/retention; shared.team.domain.audit)
    audit = { collection = "audit", field = "expires_at" }
    # edits the trigger rules skipped, tenants/{t}/skipped_edits/{slot}, kept a week
    # (shared.workspace.domain.skipped_edits.KEEP)
    skipped_edits = { collection = "skipped_edits", field = "expires_at" }
    # the api's request counters per person and key, api_paces/{id}, each a minute past its window
    # (shared.platform.services.api_limits)
    api_paces = { collection = "api_paces", field = "expires_at" }
    # each agent's runs of a day, tenants/{t}/agent_days/{agent}-{YYYYMMDD}, kept 40 days past the
    # 30-day record (shared.agents.domain.records.KEPT_DAYS, decision 0170)
    agent_days = { collection = "agent_days", field = "expires_at" }
    # each kept run's once-marker, tenants/{t}/agent_ends/{run_id}, as long as its day (decision 0189)
    agent_ends = { collection = "agent_ends", field = "expires_at" }
    # a webhook endpoint's deliveries, tenants/{t}/hook_endpoints/{e}/hook_deliveries/{d}, kept 30
    # days (shared.outbound.services.deliver.KEPT_FOR, decision 0180)
    hook_deliveries = { collection = "hook_deliveries", field = "expires_at" }
    # a person's kept meetings, calendar_meetings/{key}, a day past their end (shared.calendar.domain.
    # connections.KEPT_BEFORE)
    calendar_meetings = { collection = "calendar_meetings", field = "expires_at" }
  }
}

resource "google_firestore_index" "composite" {
  for_each = local.firestore_indexes

  database    = google_firestore_database.main.name
  collection  = each.value.collection
  query_scope = each.value.query_scope

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value[0]
      order      = fields.value[1]
    }
  }
}

# GET /runs?q= (shared.runs.domain.run_search): array_contains on search_terms, alone or with the status,
# trigger and agent equalities, in the list's order. Firestore has no full-text search, so a run
# document carries its goal's and agent's words. Each key names the equalities besides the word.
locals {
  # Each: the fields after search_terms (CONTAINS): the equalities, then the list's order.
  runs_search_indexes = {
    none                 = { fields = [["created_at", "DESCENDING"], ["run_id", "DESCENDING"]] }
    status               = { fields = [["status", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]] }
    trigger              = { fields = [["trigger", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]] }
    agent                = { fields = [["agent", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]] }
    status_trigger       = { fields = [["status", "ASCENDING"], ["trigger", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]] }
    status_agent         = { fields = [["status", "ASCENDING"], ["agent", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]] }
    trigger_agent        = { fields = [["trigger", "ASCENDING"], ["agent", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]] }
    status_trigger_agent = { fields = [["status", "ASCENDING"], ["trigger", "ASCENDING"], ["agent", "ASCENDING"], ["created_at", "DESCENDING"], ["run_id", "DESCENDING"]] }
  }
}

resource "google_firestore_index" "runs_search" {
  for_each = local.runs_search_indexes

  database    = google_firestore_database.main.name
  collection  = "runs"
  query_scope = "COLLECTION"

  fields {
    field_path   = "search_terms"
    array_config = "CONTAINS"
  }
  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value[0]
      order      = fields.value[1]
    }
  }
}

resource "google_firestore_field" "ttl" {
  for_each = local.firestore_ttls

  database   = google_firestore_database.main.name
  collection = each.value.collection
  field      = each.value.field

  ttl_config {}

  # No single-field index on a timestamp that only the TTL sweeper reads: saves writes and avoids
  # a monotonically increasing index hotspot.
  index_config {}
}

resource "google_firestore_field" "indexed" {
  for_each = local.firestore_field_indexes

  database   = google_firestore_database.main.name
  collection = each.value.collection
  field      = each.value.field

  index_config {
    dynamic "indexes" {
      for_each = each.value.indexes
      content {
        query_scope = indexes.value.query_scope
        order       = indexes.value.order
      }
    }
  }
}

# The workspace index (shared/memory/adapters/firestore_passages.py): tenants/{t}/passages holds
# 768 values per passage (Vertex AI's output_dimensionality: decision 0065). A vector query needs a
# vector index, and one with a filter needs the filtered field before the vector field.
# FirestorePassages.nearest: the nearest passages of a tenant (an owner's run).
resource "google_firestore_index" "passages_nearest" {
  database    = google_firestore_database.main.name
  collection  = "passages"
  query_scope = "COLLECTION"

  fields {
    field_path = "embedding"
    vector_config {
      dimension = 768
      flat {}
    }
  }
}

# FirestorePassages.nearest within a reach: scope in [...], then the nearest (a member's run).
resource "google_firestore_index" "passages_nearest_in_scope" {
  database    = google_firestore_database.main.name
  collection  = "passages"
  query_scope = "COLLECTION"

  fields {
    field_path = "scope"
    order      = "ASCENDING"
  }
  fields {
    field_path = "embedding"
    vector_config {
      dimension = 768
      flat {}
    }
  }
}
