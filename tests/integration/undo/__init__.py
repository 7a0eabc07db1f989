"""Undo (issue 83) on the Firestore emulator and the Notion sandbox."""
