"""Red-team attacks on the engine: the model as attacker, reach, edits, chains, tracker writes."""
