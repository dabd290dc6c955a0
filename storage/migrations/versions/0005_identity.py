"""identity: one-time codes with which a person binds their own Slack account (/koppel)

Revision ID: 0005_identity
Revises: 0004_merge
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0005_identity"
down_revision: str | Sequence[str] | None = "0004_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "koppelcode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("expires_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("used_at", storage.models.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("koppelcode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_koppelcode_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("koppelcode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_koppelcode_person_id"))
    op.drop_table("koppelcode")
