"""The API keys' and the audit log's Firestore stores."""
