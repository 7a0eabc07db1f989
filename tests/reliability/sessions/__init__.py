"""The storm's sessions: messages and steers delivered twice, late, out of order, killed."""
