"""Infra checks of Firestore: indexes, TTLs, query indexes, backups."""
