"""The engine that moves a run: planning, steps, follow-ups, people in the loop, the run log, the Runs rows and the sweeper."""
