"""The platform's use cases: dead letters, the doctor's checks, api paces."""
