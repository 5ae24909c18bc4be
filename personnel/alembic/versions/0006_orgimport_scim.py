"""SCIM externalIds of users and groups

Revision ID: orgimport_scim
Revises: orgimport_calendars
Create Date: 2026-12-06 16:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orgimport_scim"
down_revision: str | None = "orgimport_calendars"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scim_external_ids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=10), nullable=False),
        sa.Column("local_id", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_external_ids")),
        sa.UniqueConstraint("resource", "local_id", name="uq_scim_external_ids_resource_local"),
        sa.UniqueConstraint("resource", "external_id", name="uq_scim_external_ids_resource_external"),
    )


def downgrade() -> None:
    op.drop_table("scim_external_ids")
