"""The platform's adapters: Firestore, Cloud Tasks, Secret Manager, Vertex AI. Past the limit: one job,
the outside services and host calls every capability shares; each module is one service's adapter."""
