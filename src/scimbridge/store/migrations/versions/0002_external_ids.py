"""Create the external_ids table, which keeps SCIM externalId for each resource.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "external_ids",
        sa.Column("instance", sa.String(100), nullable=False),
        sa.Column("resource_type", sa.String(100), nullable=False),
        sa.Column("resource_id", sa.String(255), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("instance", "resource_type", "resource_id"),
    )
    op.create_index(
        "ix_external_ids_instance_resource_type_external_id",
        "external_ids",
        ["instance", "resource_type", "external_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_external_ids_instance_resource_type_external_id", table_name="external_ids")
    op.drop_table("external_ids")
