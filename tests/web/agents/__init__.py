"""The console's Agents, Ask and routines screens in a real browser."""
