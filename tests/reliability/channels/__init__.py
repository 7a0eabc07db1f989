"""The storm's channels: Slack's events, commands and presses delivered twice, late, out of order, killed."""
