"""Delivering a notification, confirming an address, minting a link."""
