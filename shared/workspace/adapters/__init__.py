"""The tenant store: Firestore, and the instance's cache over it."""
