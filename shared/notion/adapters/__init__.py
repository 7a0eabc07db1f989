"""Notion's API through notion-client."""
