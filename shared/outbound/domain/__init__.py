"""The outbound events' records: event types and their declared fields, endpoints, deliveries."""
