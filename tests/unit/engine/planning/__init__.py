"""Planning a run: what starts one, the plan's phases, the agent's tools, when planning fails."""
