"""The console's team, notifications and origin guarantees in a real browser."""
