"""Test helpers of Notion: connection services, the sandbox over HTTP."""
