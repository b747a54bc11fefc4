"""Alembic environment and revisions of the gateway store."""
