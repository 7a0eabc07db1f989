"""The inverses effects record, and what cannot be taken back (pure)."""
