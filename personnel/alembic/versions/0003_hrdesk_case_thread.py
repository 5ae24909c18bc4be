"""HR desk: case thread messages, the waiting_employee state and resolved_at

Revision ID: hrdesk_case_thread
Revises: 0002
Create Date: 2026-12-06 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hrdesk_case_thread"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUS = "status IN ('open','in_progress','resolved')"
NEW_STATUS = "status IN ('open','in_progress','waiting_employee','resolved')"


def upgrade() -> None:
    with op.batch_alter_table("hr_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f("ck_hr_cases_status"), type_="check")
        batch_op.create_check_constraint("status", NEW_STATUS)

    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('reply','request_info','answer','note')", name=op.f("ck_case_messages_kind")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["employees.id"], name=op.f("fk_case_messages_author_id_employees")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["hr_cases.id"], name=op.f("fk_case_messages_case_id_hr_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_messages")),
    )
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.create_index("ix_case_messages_case", ["case_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_case_messages_case")
    op.drop_table("case_messages")
    op.execute("UPDATE hr_cases SET status = 'in_progress' WHERE status = 'waiting_employee'")
    with op.batch_alter_table("hr_cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_hr_cases_status"), type_="check")
        batch_op.create_check_constraint("status", OLD_STATUS)
        batch_op.drop_column("resolved_at")
