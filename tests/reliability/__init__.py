"""The reliability storm: each module one family of scenarios on the shared harness (engine, chains,
patterns, fan-out, sync, code, fallback, MCP calls, undo, outgoing webhooks, process kills; channels/: Slack), each
printing and asserting its RESULT line."""
