# One public origin, https://PUBLIC_DOMAIN, for everything a browser or Notion calls: a global external
# Application Load Balancer in front of the three public functions and the owner's console.
#
# Why one origin: connecting a workspace binds the OAuth state to the browser with a nonce cookie that
# GET /connect (api) sets and the oauth-callback reads. Each Cloud Run function has its own host
# (https://NAME-PROJECT_NUMBER.REGION.run.app) and run.app is a public suffix, so no cookie can reach
# one function from another there: every connect would fail with 400. Under one host the cookie
# (host-only, path "/") reaches /oauth/callback.
#
#   https://PUBLIC_DOMAIN/api/...          -> api, with /api stripped (/api/links/T -> /links/T)
#   https://PUBLIC_DOMAIN/oauth/callback   -> oauth-callback (the redirect URI registered with Notion)
#   https://PUBLIC_DOMAIN/notion/webhook   -> notion-webhook (the webhook URL registered with Notion)
#   https://PUBLIC_DOMAIN/, /assets/...    -> the owner's console, a Cloud Storage bucket (console.tf)
#   anything else                          -> 404, answered by the load balancer itself
#   http://PUBLIC_DOMAIN/...               -> 301 to https
#
# The three functions accept traffic only from the load balancer and from inside the project
# (ingress ALLOW_INTERNAL_AND_GCLB, functions.tf): their run.app URLs are not reachable from the
# internet. They keep roles/run.invoker for allUsers (iam.tf): the load balancer forwards the browser's
# and Notion's requests as they are, without a Google identity, and each function authenticates its
# callers itself (signed single-use state, HMAC signature, session token or signed link).
locals {
  public_url = "https://${var.public_domain}"

  # The public URL of each browser- or Notion-facing function; the URL map below routes these paths.
  # Settings (settings.tf) and outputs (outputs.tf) take them from here.
  public_endpoints = {
    api            = "${local.public_url}/api"
    oauth_callback = "${local.public_url}/oauth/callback"
    notion_webhook = "${local.public_url}/notion/webhook"
    console        = "${local.public_url}/" # the owner's console (console.tf); NA_FRONTEND_URL by default
  }
}

resource "google_compute_global_address" "public" {
  name        = "na-public"
  description = "Notion Agent: the address of ${var.public_domain} (the DNS A record points here)."
  ip_version  = "IPV4"

  depends_on = [google_project_service.enabled]
}

# Google-managed certificate. It is provisioned only once the domain's A record resolves to the address
# above (usually 15-60 minutes after DNS is in place); until then HTTPS handshakes fail. A new domain
# is a new certificate (the name carries its hash), created before the old one is released.
resource "google_compute_managed_ssl_certificate" "public" {
  name        = "na-public-${substr(sha256(var.public_domain), 0, 8)}"
  description = "Notion Agent: managed certificate for ${var.public_domain}."

  managed {
    domains = [var.public_domain]
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [google_project_service.enabled]
}

# TLS 1.2 or later with the MODERN cipher set: browsers and Notion's webhook sender all speak it.
resource "google_compute_ssl_policy" "public" {
  name            = "na-public-tls"
  description     = "Notion Agent: TLS 1.2+ (MODERN profile) on the public load balancer."
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"

  depends_on = [google_project_service.enabled]
}

# Serverless NEGs. A 2nd-gen function is a Cloud Run service of the same name, so the NEG points at it
# with cloud_run { service } (the cloud_function block is for 1st-gen functions).
resource "google_compute_region_network_endpoint_group" "public" {
  for_each = { for key, fn in local.functions : key => fn if fn.public }

  name                  = "na-${each.value.name}"
  description           = "Notion Agent: the ${each.value.name} function behind the public load balancer."
  region                = var.region
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    service = local.deployed_functions[each.key].name
  }
}

# One backend service per function. Serverless NEGs take no health check and no timeout_sec (the
# function's own timeout applies). Every request is logged (lb_log_sample_rate), so 4xx and 5xx
# answered by the load balancer itself are visible too.
resource "google_compute_backend_service" "public" {
  for_each = { for key, fn in local.functions : key => fn if fn.public }

  name                  = "na-${each.value.name}"
  description           = "Notion Agent: ${each.value.name} (serverless NEG)."
  load_balancing_scheme = "EXTERNAL_MANAGED"
  security_policy       = var.cloud_armor ? google_compute_security_policy.public[0].id : null

  backend {
    group = google_compute_region_network_endpoint_group.public[each.key].id
  }

  log_config {
    enable      = true
    sample_rate = var.lb_log_sample_rate
  }
}

# Optional Cloud Armor policy (var.cloud_armor; about $5 a month plus $1 per rule and $0.75 per million
# requests). Only the Log4j probe rule: the preconfigured SQLi/XSS rule sets would misread Notion
# content that users put in settings and decisions, and per-IP limits would throttle Notion's few
# webhook senders during a bulk edit. The functions validate every input themselves.
resource "google_compute_security_policy" "public" {
  count = var.cloud_armor ? 1 : 0

  name        = "na-public"
  description = "Notion Agent: public load balancer."

  rule {
    action      = "deny(403)"
    priority    = 1000
    description = "Log4j message lookup probes (CVE-2021-44228)."
    match {
      expr {
        expression = "evaluatePreconfiguredWaf('cve-canary')"
      }
    }
  }

  rule {
    action      = "allow"
    priority    = 2147483647
    description = "Everything else reaches the functions, which authenticate their callers."
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }

  depends_on = [google_project_service.enabled]
}

# The routes. Paths the URL map does not know never reach a function: the defaults abort with 404 at
# the load balancer (fault injection at 100 %, which the global external Application Load Balancer,
# EXTERNAL_MANAGED, supports; default_service only names a target the abort never forwards to).
# Route rules match the path without its query string, so /oauth/callback?code=...&state=... matches.
resource "google_compute_url_map" "public" {
  name            = "na-public"
  description     = "Notion Agent: /api/* -> api (prefix stripped), /oauth/callback, /notion/webhook, / and /assets/* -> console; else 404."
  default_service = google_compute_backend_service.public["api"].id

  # Requests for another host (e.g. the bare IP address) are not ours.
  default_route_action {
    fault_injection_policy {
      abort {
        http_status = 404
        percentage  = 100
      }
    }
  }

  host_rule {
    hosts        = [var.public_domain]
    path_matcher = "notion-agent"
  }

  path_matcher {
    name            = "notion-agent"
    default_service = google_compute_backend_service.public["api"].id

    default_route_action {
      fault_injection_policy {
        abort {
          http_status = 404
          percentage  = 100
        }
      }
    }

    # The api's routes (/connect, /runs, /links/<token>, ...) live under /api/: "/api/" becomes "/",
    # so https://DOMAIN/api/links/T reaches the api as /links/T (the approval links, NA_API_URL).
    route_rules {
      priority = 1
      service  = google_compute_backend_service.public["api"].id
      match_rules {
        prefix_match = "/api/"
      }
      route_action {
        url_rewrite {
          path_prefix_rewrite = "/"
        }
      }
    }

    # Notion's redirect after consent: the browser brings the nonce cookie GET /connect set.
    route_rules {
      priority = 2
      service  = google_compute_backend_service.public["oauth_callback"].id
      match_rules {
        full_path_match = "/oauth/callback"
      }
    }

    route_rules {
      priority = 3
      service  = google_compute_backend_service.public["notion_webhook"].id
      match_rules {
        full_path_match = "/notion/webhook"
      }
    }

    # The owner's console (console.tf): its page and its hashed assets, from the bucket. The bucket
    # answers / with index.html (its main page suffix); other paths keep the 404 above.
    route_rules {
      priority = 4
      service  = google_compute_backend_bucket.console.id
      match_rules {
        full_path_match = "/"
      }
      match_rules {
        full_path_match = "/index.html"
      }
      match_rules {
        full_path_match = "/favicon.ico"
      }
      match_rules {
        prefix_match = "/assets/"
      }
    }
  }

  # Checked by the API on every create and update of the URL map.
  test {
    description = "An approval link reaches the api."
    host        = var.public_domain
    path        = "/api/links/token"
    service     = google_compute_backend_service.public["api"].id
  }

  test {
    description = "Notion's OAuth redirect reaches oauth-callback."
    host        = var.public_domain
    path        = "/oauth/callback"
    service     = google_compute_backend_service.public["oauth_callback"].id
  }

  test {
    description = "Notion's webhook deliveries reach notion-webhook."
    host        = var.public_domain
    path        = "/notion/webhook"
    service     = google_compute_backend_service.public["notion_webhook"].id
  }

  test {
    description = "The console's page is the bucket's."
    host        = var.public_domain
    path        = "/"
    service     = google_compute_backend_bucket.console.id
  }

  test {
    description = "The console's hashed assets come from the bucket."
    host        = var.public_domain
    path        = "/assets/app.3f2a9c1b.js"
    service     = google_compute_backend_bucket.console.id
  }
}

resource "google_compute_target_https_proxy" "public" {
  name             = "na-public"
  description      = "Notion Agent: HTTPS for ${var.public_domain}."
  url_map          = google_compute_url_map.public.id
  ssl_certificates = [google_compute_managed_ssl_certificate.public.id]
  ssl_policy       = google_compute_ssl_policy.public.id
}

resource "google_compute_global_forwarding_rule" "https" {
  name                  = "na-public-https"
  description           = "Notion Agent: HTTPS on the public address."
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_protocol           = "TCP"
  port_range            = "443"
  ip_address            = google_compute_global_address.public.id
  target                = google_compute_target_https_proxy.public.id
}

# Plain HTTP only redirects to HTTPS (301, query kept); it never reaches a function.
resource "google_compute_url_map" "https_redirect" {
  name        = "na-public-https-redirect"
  description = "Notion Agent: http:// -> https://."

  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }

  depends_on = [google_project_service.enabled]
}

resource "google_compute_target_http_proxy" "https_redirect" {
  name        = "na-public-https-redirect"
  description = "Notion Agent: redirects HTTP to HTTPS."
  url_map     = google_compute_url_map.https_redirect.id
}

resource "google_compute_global_forwarding_rule" "http" {
  name                  = "na-public-http"
  description           = "Notion Agent: HTTP on the public address, redirected to HTTPS."
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_protocol           = "TCP"
  port_range            = "80"
  ip_address            = google_compute_global_address.public.id
  target                = google_compute_target_http_proxy.https_redirect.id
}
