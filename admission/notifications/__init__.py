"""Notices to units, in the app and by email."""
