"""The sync capability's use cases: connecting a tool, its webhooks' intake, mirroring an item."""
