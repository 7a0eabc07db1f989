"""sync: keeping a Notion data source and another tool (Linear first) in step, both ways: connecting the
tool by key, the tool's signed webhooks, the field mapping and the conflict rule, the sync log."""
