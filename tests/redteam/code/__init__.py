"""Red-team attacks on code runs: hostile ideas and releases."""
