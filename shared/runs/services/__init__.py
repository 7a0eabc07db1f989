"""Intake, spend, a run's view and listing, alerts, the Runs rows index."""
