"""What a run pays for: every paid model call in its log, the budgets and the spend cap."""
