"""The budgets before a model call: reservations, the instance's cache and its share of the cap."""
