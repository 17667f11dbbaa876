"""Writes of the census: each function is the one place a kind of change happens, in one transaction."""
