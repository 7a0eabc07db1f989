"""Access to a tenant's Notion, its agent's home, reading a page, connecting."""
