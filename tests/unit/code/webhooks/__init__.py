"""The tests of the code capability's webhooks: GitHub's route, its events and check wake-ups."""
