"""The console's build: the bundle's size and assets, the Node.js release line."""
