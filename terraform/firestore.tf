# Firestore (native mode) and what the queries need (DESIGN.md, "State in Firestore").
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

# Composite indexes. (Runs of one tenant by created_at DESC use the automatic single-field index.)
locals {
  firestore_indexes = {
    # The stalled-run sweeper: runs in a given status, oldest update first, across all tenants.
    runs_by_status_updated = {
      collection  = "runs"
      query_scope = "COLLECTION_GROUP"
      fields = [
        { field_path = "status", order = "ASCENDING" },
        { field_path = "updated_at", order = "ASCENDING" },
      ]
    }
    # The hourly planning fan-out: active tenants whose planning hour has come.
    tenants_by_status_planning_hour = {
      collection  = "tenants"
      query_scope = "COLLECTION"
      fields = [
        { field_path = "status", order = "ASCENDING" },
        { field_path = "planning_hour", order = "ASCENDING" },
      ]
    }
  }

  # TTL policies. A TTL policy applies to a collection group: "events" covers both
  # tenants/*/events (webhook de-duplication) and tenants/*/runs/*/events (run logs). Only documents
  # carrying the field expire, so run events must never have an `expires_at` field.
  firestore_ttls = {
    webhook_dedup = { collection = "events", field = "expires_at" }
    oauth_states  = { collection = "oauth_states", field = "expires_at" }
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
      field_path = fields.value.field_path
      order      = fields.value.order
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
