"""Helpers shared by the test modules (the fixtures are in tests/conftest.py)."""
