"""The api's routes of Notion: the connection and the agent's home."""
