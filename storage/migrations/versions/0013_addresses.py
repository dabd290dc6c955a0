"""identity as data: a person's address and a group's channel per transport

Revision ID: 0013_addresses
Revises: 0012_initiatief
Create Date: 2026-12-03 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013_addresses"
down_revision: str | Sequence[str] | None = "0012_initiatief"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    s = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("transport", s(length=40), nullable=False),
        sa.Column("external_id", s(length=255), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transport", "external_id", name="uq_identity_address"),
        sa.UniqueConstraint("person_id", "transport", name="uq_identity_person_transport"),
    )
    op.create_index("ix_identity_person_id", "identity", ["person_id"], unique=False)
    op.create_table(
        "groupaddress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("transport", s(length=40), nullable=False),
        sa.Column("address", s(length=255), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["wijkgroup.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transport", "address", name="uq_groupaddress_address"),
        sa.UniqueConstraint("group_id", "transport", name="uq_groupaddress_group_transport"),
    )
    op.create_index("ix_groupaddress_group_id", "groupaddress", ["group_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_groupaddress_group_id", table_name="groupaddress")
    op.drop_table("groupaddress")
    op.drop_index("ix_identity_person_id", table_name="identity")
    op.drop_table("identity")
