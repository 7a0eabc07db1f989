"""The console's run screens in a real browser: finding, inbox, lineage, a run's page and events."""
