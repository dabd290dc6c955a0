"""outbox: sends that timed out, and whether the message was found, sent again or possibly doubled

Revision ID: 0008_resend
Revises: 0007_org
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UtcDateTime

revision: str = "0008_resend"
down_revision: str | Sequence[str] | None = "0007_org"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch_op:
        batch_op.add_column(sa.Column("timed_out_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("after_timeout", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.create_index("ix_outbox_after_timeout", ["after_timeout"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch_op:
        batch_op.drop_index("ix_outbox_after_timeout")
        batch_op.drop_column("after_timeout")
        batch_op.drop_column("timed_out_at")
