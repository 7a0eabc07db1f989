"""The platform every capability stands on: settings, logs, errors, topology, the task envelope, the model's plumbing, and the Firestore, Cloud Tasks and Secret Manager adapters."""
