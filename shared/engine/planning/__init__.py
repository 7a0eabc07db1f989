"""Planning a run, by concern: does this event start anything (gate), what the plan is told
(context), asking the model (model), replanning from what was read (replanning), all over the task
being planned (request); start.start_run runs them in that order."""
