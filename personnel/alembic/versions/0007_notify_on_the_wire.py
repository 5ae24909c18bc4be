"""notifier: when a notice went on the wire (tells a crash's retries from never-sent notices)

Revision ID: notify_on_the_wire
Revises: orgimport_scim
Create Date: 2026-12-06 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_on_the_wire"
down_revision: str | None = "orgimport_scim"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        # set just before the channel call, cleared when the outcome is recorded: a lapsed lease
        # with it set is the only notice a crash may deliver twice
        batch_op.add_column(sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("sending_since")
