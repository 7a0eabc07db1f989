"""The api's routes of runs: listing, searching and reading runs, retrying them, their lineage."""
