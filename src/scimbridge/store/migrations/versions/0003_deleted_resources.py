"""Create the deleted_resources table: resources deleted over SCIM that the target keeps.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deleted_resources",
        sa.Column("instance", sa.String(100), nullable=False),
        sa.Column("resource_type", sa.String(100), nullable=False),
        sa.Column("resource_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instance", "resource_type", "resource_id"),
    )
    op.create_index(
        "ix_deleted_resources_instance_resource_type_name",
        "deleted_resources",
        ["instance", "resource_type", "name"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_deleted_resources_instance_resource_type_name", table_name="deleted_resources"
    )
    op.drop_table("deleted_resources")
