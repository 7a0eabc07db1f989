# People's calendars (docs/calendar.md, decision 0193), only with var.google_oauth_client_id: Google
# posts each change of a connected calendar to api's /calendar/push on a channel whose token api
# checks; plan's calendar-tick job (scheduler.tf) renews the channels. The refresh tokens are tenant
# secrets calendar-<tenant>-<person hash>, read by api (a push) and plan (a renewal).
locals {
  calendar_on               = var.google_oauth_client_id != ""
  calendar_push_address     = local.calendar_on ? "${local.public_endpoints["api"]}/calendar/push" : ""
  calendar_secret_prefix    = "calendar-"
  calendar_token_readers    = ["api", "plan"] # granted always, as the code tokens': no secret, nothing read
  calendar_secret_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.calendar_secret_prefix}\")"
}

# One grant per reader, limited to the calendar- prefix by its condition.
resource "google_project_iam_member" "calendar_token_readers" {
  for_each = toset(local.calendar_token_readers)

  condition {
    title       = "calendar-secrets-only"
    description = "Only secrets whose id starts with calendar-: people's calendars' refresh tokens."
    expression  = local.calendar_secret_condition
  }
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"
  project = var.project_id
}
