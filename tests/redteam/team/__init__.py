"""Red-team attacks by workspace members: roles, rows of Runs, instructions, the Ask."""
