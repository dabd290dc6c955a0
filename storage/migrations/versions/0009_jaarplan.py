"""jaarplan: J-items per group and year, actiepunten linked to them, numbered versions of the rapportage

Revision ID: 0009_jaarplan
Revises: 0008_resend
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UtcDateTime

revision: str = "0009_jaarplan"
down_revision: str | Sequence[str] | None = "0008_resend"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jaarplanitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("activiteit", sa.Text(), nullable=False),
        sa.Column("trekker_id", sa.Integer(), nullable=True),
        sa.Column("partners", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("periode", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("budget_cents", sa.BigInteger(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["copied_from_id"], ["jaarplanitem.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["group_id"], ["wijkgroup.id"]),
        sa.ForeignKeyConstraint(["trekker_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jaarplanitem", schema=None) as batch_op:
        batch_op.create_index("ix_jaarplanitem_group_year", ["group_id", "year"], unique=False)
        batch_op.create_index(batch_op.f("ix_jaarplanitem_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jaarplanitem_trekker_id"), ["trekker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jaarplanitem_copied_from_id"), ["copied_from_id"], unique=False)
    with op.batch_alter_table("actiepunt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jaarplan_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_actiepunt_jaarplan_id"), ["jaarplan_id"], unique=False)
        batch_op.create_foreign_key("fk_actiepunt_jaarplan_id", "jaarplanitem", ["jaarplan_id"], ["id"])
    with op.batch_alter_table("voortgangsrapportage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("versie", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("voortgangsrapportage", schema=None) as batch_op:
        batch_op.drop_column("versie")
    with op.batch_alter_table("actiepunt", schema=None) as batch_op:
        batch_op.drop_constraint("fk_actiepunt_jaarplan_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_actiepunt_jaarplan_id"))
        batch_op.drop_column("jaarplan_id")
    with op.batch_alter_table("jaarplanitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jaarplanitem_copied_from_id"))
        batch_op.drop_index(batch_op.f("ix_jaarplanitem_trekker_id"))
        batch_op.drop_index(batch_op.f("ix_jaarplanitem_group_id"))
        batch_op.drop_index("ix_jaarplanitem_group_year")
    op.drop_table("jaarplanitem")
