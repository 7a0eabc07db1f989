"""The console's main flows and the fixes of its frictions in a real browser."""
