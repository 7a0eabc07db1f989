"""The platform's values: records, ids, signed tokens, task bodies, model calls."""
