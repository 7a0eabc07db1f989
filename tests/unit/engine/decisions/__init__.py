"""A person's decisions on a run: approvals, answers, budget stops, cancel, pause and retry."""
