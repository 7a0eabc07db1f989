"""What the deploy function's tools use: the hosts and the tenant's tokens."""
