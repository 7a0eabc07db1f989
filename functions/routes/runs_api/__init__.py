"""The api's routes of runs: listing, actions, approvals, usage."""
