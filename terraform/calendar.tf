# People's calendars (docs/calendar.md, decision 0193), only with var.google_oauth_client_id: Google
# posts each change of a connected calendar to api's /calendar/push on a channel whose token api
# checks; plan's calendar-tick job (scheduler.tf) renews the channels. The refresh tokens are tenant
# secrets calendar-<tenant>-<person hash>, read by api (a push) and plan (a renewal).
locals {
  calendar_on               = var.google_oauth_client_id != ""
  calendar_push_url         = local.calendar_on ? "${local.public_endpoints["api"]}/calendar/push" : ""
  calendar_secret_prefix    = "calendar-"
  calendar_secret_condition = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.calendar_secret_prefix}\")"
}

resource "google_project_iam_member" "calendar_token_readers" {
  for_each = local.calendar_on ? toset(["api", "plan"]) : toset([])

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"

  condition {
    title       = "calendar-secrets-only"
    description = "Only secrets whose id starts with calendar-: people's calendars' refresh tokens."
    expression  = local.calendar_secret_condition
  }
}
