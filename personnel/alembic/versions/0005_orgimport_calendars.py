"""holiday calendars as data: calendars, published years, holidays and make-up working days

Revision ID: orgimport_calendars
Revises: notify_delivery
Create Date: 2026-12-06 16:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orgimport_calendars"
down_revision: str | None = "notify_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holiday_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("weekend", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_calendars")),
        sa.UniqueConstraint("code", name=op.f("uq_holiday_calendars_code")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_code", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_code"],
            ["holiday_calendars.code"],
            name=op.f("fk_calendar_years_calendar_code_holiday_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_years")),
        sa.UniqueConstraint("calendar_code", "year", name="uq_calendar_years_code_year"),
    )
    op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_code", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('holiday','makeup_workday')", name=op.f("ck_calendar_days_kind")),
        sa.ForeignKeyConstraint(
            ["calendar_code"],
            ["holiday_calendars.code"],
            name=op.f("fk_calendar_days_calendar_code_holiday_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
        sa.UniqueConstraint("calendar_code", "date", name="uq_calendar_days_code_date"),
    )
    op.create_index("ix_calendar_days_code_year", "calendar_days", ["calendar_code", "year"])


def downgrade() -> None:
    op.drop_index("ix_calendar_days_code_year", table_name="calendar_days")
    op.drop_table("calendar_days")
    op.drop_table("calendar_years")
    op.drop_table("holiday_calendars")
