"""Notion's values: blocks, Markdown, and the text the agent reads of a page."""
