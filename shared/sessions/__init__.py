"""sessions: a person's conversation with an agent, each message answered as Ask or turned into a run."""
