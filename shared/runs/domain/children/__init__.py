"""A run's children: the parallel map's child runs and their end markers (``fanout``), and the debate
and expert panel built on them (``patterns``). Pure: no I/O."""
