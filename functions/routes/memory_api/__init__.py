"""The api's routes of memory: Ask."""
