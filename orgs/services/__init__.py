"""Writes of the orgs app: each function is the one place a kind of change happens, in one transaction."""
