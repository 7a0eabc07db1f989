"""The run store: Firestore."""
