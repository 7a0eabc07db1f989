"""The api's routes of notifications."""
