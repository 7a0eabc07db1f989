"""The platform's adapters: Firestore, Cloud Tasks, Secret Manager, Vertex AI."""
