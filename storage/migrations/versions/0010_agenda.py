"""the meeting lifecycle: agenda items added by members (with a guest), and a meeting's sequence

Revision ID: 0010_agenda
Revises: 0009_jaarplan
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UtcDateTime

revision: str = "0010_agenda"
down_revision: str | Sequence[str] | None = "0009_jaarplan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("series_slot", UtcDateTime(), nullable=True))
    op.create_table(
        "agendaitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("guest_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["added_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["guest_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_agendaitem_meeting_id"), "agendaitem", ["meeting_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_agendaitem_meeting_id"), table_name="agendaitem")
    op.drop_table("agendaitem")
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.drop_column("series_slot")
        batch_op.drop_column("sequence")
