# The owner's console: a single-page app built from web/ (web/dist), served from a Cloud Storage
# bucket behind the public load balancer, on the same origin as api (https://PUBLIC_DOMAIN/).
#
#   https://PUBLIC_DOMAIN/               -> index.html (the bucket's main page)
#   https://PUBLIC_DOMAIN/index.html     -> index.html
#   https://PUBLIC_DOMAIN/favicon.ico    -> favicon.ico
#   https://PUBLIC_DOMAIN/assets/...     -> the hashed assets (app.3f2a9c1b.js, ...)
#
# The console routes with the fragment (#/runs/...), so no other path needs an answer; the URL map
# (loadbalancer.tf) keeps its 404 for them. The deploy pipeline uploads web/dist after the approved
# apply (cloudbuild-apply.yaml): hashed assets cached for a year and never deleted, index.html never
# cached and written last. docs/decisions/0032-the-console-is-a-bucket-on-the-same-origin.md.

# Objects are public (the load balancer reads a backend bucket anonymously: iam.tf, console_public);
# they are the built console, the same files every browser downloads. Versioning keeps the replaced
# index.html for a rollback by hand; old versions go after 30 days.
resource "google_storage_bucket" "console" {
  # checkov:skip=CKV_GCP_114: a backend bucket serves public objects: the console's built files, which every browser downloads anyway; nothing else is ever written here (docs/decisions/0032)
  # checkov:skip=CKV_GCP_62: the load balancer logs every request to it (lb_log_sample_rate); Cloud Audit Logs record who wrote objects
  name                        = "${var.project_id}-notion-agent-console"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"
  force_destroy               = false

  # https://PUBLIC_DOMAIN/ is the bucket's root: the load balancer serves index.html for it.
  website {
    main_page_suffix = "index.html"
  }

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# No Cloud CDN: a handful of owners use the console, and browsers keep the hashed assets for a year
# by their own Cache-Control. The load balancer adds these headers to every answer of the bucket,
# index.html included. The policy: no inline script or style, nothing from another host; the console
# loads only its own files and calls only /api on this origin; no page may frame it.
resource "google_compute_backend_bucket" "console" {
  name        = "na-console"
  description = "Notion Agent: the owner's console (web/dist) on https://${var.public_domain}/."
  bucket_name = google_storage_bucket.console.name
  enable_cdn  = false

  custom_response_headers = [
    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options: nosniff",
    "Referrer-Policy: no-referrer",
    "Strict-Transport-Security: max-age=31536000; includeSubDomains", # as api sends (functions/_http.py)
  ]
}
