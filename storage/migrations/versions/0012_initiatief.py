"""inwonerverzoeken, beleidswensen and initiatieven (I-<n>) with their notes

Revision ID: 0012_initiatief
Revises: 0011_besluit
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UtcDateTime

revision: str = "0012_initiatief"
down_revision: str | Sequence[str] | None = "0011_besluit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    s = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "initiatief",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("kind", s(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requested_cents", sa.BigInteger(), nullable=True),
        sa.Column("scope", s(length=10), nullable=False),
        sa.Column("area", s(length=100), nullable=True),
        sa.Column("wijk", s(length=100), nullable=False),
        sa.Column("location", s(length=200), nullable=True),
        sa.Column("fase", s(length=20), nullable=False),
        sa.Column("fase_since", UtcDateTime(), nullable=False),
        sa.Column("participatie", s(length=20), nullable=True),
        sa.Column("source", s(length=20), nullable=False),
        sa.Column("initiator_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_cents", sa.BigInteger(), nullable=True),
        sa.Column("granted_year", sa.Integer(), nullable=True),
        sa.Column("granted_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("last_reminder_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["wijkgroup.id"]),
        sa.ForeignKeyConstraint(["initiator_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_initiatief_group_id", "initiatief", ["group_id"], unique=False)
    op.create_index("ix_initiatief_created_at", "initiatief", ["created_at"], unique=False)
    op.create_index("ix_initiatief_group_fase", "initiatief", ["group_id", "fase"], unique=False)
    op.create_table(
        "initiatiefnotitie",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiatief_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("fase", s(length=20), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["initiatief_id"], ["initiatief.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_initiatiefnotitie_initiatief_id", "initiatiefnotitie", ["initiatief_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_initiatiefnotitie_initiatief_id", table_name="initiatiefnotitie")
    op.drop_table("initiatiefnotitie")
    op.drop_index("ix_initiatief_group_fase", table_name="initiatief")
    op.drop_index("ix_initiatief_created_at", table_name="initiatief")
    op.drop_index("ix_initiatief_group_id", table_name="initiatief")
    op.drop_table("initiatief")
