"""The passage store and the embedders (local and Vertex AI)."""
