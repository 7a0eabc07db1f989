"""The api's routes of the platform: the doctor's checks."""
