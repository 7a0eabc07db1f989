"""The outbound adapters: endpoints and deliveries in Firestore, and the HTTP sender."""
