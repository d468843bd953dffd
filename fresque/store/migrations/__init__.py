"""Alembic migrations of the workshop store (see env.py)."""
