"""Shared infrastructure used by the workers."""
