"""Alembic revisions of the gateway store, oldest first by ``down_revision``."""
