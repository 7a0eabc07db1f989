"""The api's plumbing: its router, input checks, paces, CORS, methods and its contract."""
