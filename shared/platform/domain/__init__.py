"""The platform's values: records, ids, signed tokens, task bodies, model calls.

Past the limit: one job, the values every capability shares; each module is one kind of value."""
