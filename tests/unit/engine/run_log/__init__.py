"""What a run records: its log, its Runs row, its page's notes, its size, and the sweeper."""
