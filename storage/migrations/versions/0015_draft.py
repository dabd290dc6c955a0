"""draft: conversations in progress in a neutral table; PTB's telegramstate goes

A half-told signaal in `telegramstate` at the moment of the upgrade is not carried over (it is at
most 30 minutes of work; the resident starts again with /signaal).

Revision ID: 0015_draft
Revises: 0014_addresses_move
Create Date: 2026-12-10 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UtcDateTime

revision: str = "0015_draft"
down_revision: str | Sequence[str] | None = "0014_addresses_move"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    s = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "draft",
        sa.Column("transport", s(length=40), nullable=False),
        sa.Column("address", s(length=255), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("flow", s(length=40), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("transport", "address"),
    )
    op.create_index("ix_draft_person_id", "draft", ["person_id"], unique=False)
    op.drop_table("telegramstate")


def downgrade() -> None:
    op.create_table(
        "telegramstate",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.drop_index("ix_draft_person_id", table_name="draft")
    op.drop_table("draft")
