"""make bench-channels: Slack, Pub/Sub and calendar deliveries in a storm, forgeries among them."""
