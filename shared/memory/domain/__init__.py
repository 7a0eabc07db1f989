"""Memory's values: passages and ranking."""
