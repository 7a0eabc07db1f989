"""Test helpers of the tools' arguments (code and Notion writes)."""
