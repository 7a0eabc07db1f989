"""The agents' Firestore store."""
