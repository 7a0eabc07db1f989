"""Benchmarks of webhook intake: notion-webhook against its floor, trigger rules."""
