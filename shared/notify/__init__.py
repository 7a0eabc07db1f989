"""Notifications: what to tell whom, through which channel (a page comment, Slack, Discord, email), at most once, and the signed links a mail carries."""
