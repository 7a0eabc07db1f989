"""Code shared by every function: domain, services, ports, adapters, settings and bootstrap."""

import os

# We use no pydantic plugins. Without this, the first model class built scans the metadata of every
# installed distribution for plugin entry points: ~25 ms of each cold start, for nothing.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
