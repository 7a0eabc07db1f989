output "function_urls" {
  description = "run.app URL of every function, keyed by entry point: the OIDC audiences of tasks and jobs. The public functions take only internal and load balancer traffic there: use public_url."
  value       = local.function_urls
}

output "public_url" {
  description = "The one public origin (https://PUBLIC_DOMAIN) in front of api, oauth-callback, notion-webhook and the console."
  value       = local.public_url
}

output "console_url" {
  description = "The owner's console (console.tf): https://PUBLIC_DOMAIN/, where connecting a workspace ends unless frontend_url names another frontend."
  value       = local.public_endpoints["console"]
}

output "console_bucket" {
  description = "Bucket holding the console's built files (web/dist); cloudbuild-apply.yaml uploads them there."
  value       = google_storage_bucket.console.name
}

output "public_ip_address" {
  description = "Address of the public load balancer: the DNS A record of public_domain must point here."
  value       = google_compute_global_address.public.address
}

output "notion_redirect_uri" {
  description = "OAuth redirect URI to register in the Notion integration settings."
  value       = local.public_endpoints["oauth_callback"]
}

output "notion_webhook_url" {
  description = "Webhook URL to register in the Notion integration settings (Webhooks tab)."
  value       = local.public_endpoints["notion_webhook"]
}

output "api_url" {
  description = "Public URL of the api function, for the frontends (NA_API_URL)."
  value       = local.public_endpoints["api"]
}

output "source_bucket" {
  description = "Bucket holding the function source archives."
  value       = google_storage_bucket.source.name
}

output "source_object" {
  description = "Object name of the deployed archive (contains its MD5)."
  value       = google_storage_bucket_object.source.name
}

output "service_accounts" {
  description = "Email of every service account, keyed by function entry point or platform role."
  value       = local.account_emails
}

output "queues" {
  description = "Cloud Tasks queue ids."
  value       = [for queue in google_cloud_tasks_queue.queue : queue.name]
}

output "platform_secrets" {
  description = "Secret ids whose values must be added after the first apply (docs/deploy.md)."
  value       = [for secret in google_secret_manager_secret.platform : secret.secret_id]
}
