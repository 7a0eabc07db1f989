"""Integration tests of the Runs rows: a run's row written, its size bound, and answers by comment."""
