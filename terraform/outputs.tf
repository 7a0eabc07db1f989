output "function_urls" {
  description = "URL of every function, keyed by entry point."
  value       = local.function_urls
}

output "notion_redirect_uri" {
  description = "OAuth redirect URI to register in the Notion integration settings."
  value       = local.function_urls["oauth_callback"]
}

output "notion_webhook_url" {
  description = "Webhook URL to register in the Notion integration settings (Webhooks tab)."
  value       = local.function_urls["notion_webhook"]
}

output "api_url" {
  description = "Public URL of the api function, for the frontends."
  value       = local.function_urls["api"]
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
