"""Persistence of live workshops."""
