"""The api's routes of agents."""
