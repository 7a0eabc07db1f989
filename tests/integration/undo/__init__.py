"""Undo on the Firestore emulator and the Notion sandbox."""
