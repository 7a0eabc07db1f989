"""The cold-start benchmark (make bench-coldstart) and its model stand-in."""
