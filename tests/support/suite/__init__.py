"""The test suite's own machinery, apart from any capability: what its sessions share to spend less."""
