"""Shared foundations: database, configuration, clock, audit trail, caches, translations."""
