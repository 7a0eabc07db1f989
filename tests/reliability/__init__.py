"""The reliability storm: each module one family of scenarios (engine, chains, patterns, fan-out,
sync, code, fallback, MCP calls, undo, outgoing webhooks, process kills) on the shared harness, each
printing and asserting its RESULT line. Past the limit: one module per family the storm covers, all
on harness.py and conftest.py beside them; a subfolder would split the storm only to fit the count."""
