"""outbox dead letters: parked messages with their reason, and when they were reported

Revision ID: 0006_delivery
Revises: 0005_identity
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models import UtcDateTime

revision: str = "0006_delivery"
down_revision: str | Sequence[str] | None = "0005_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch_op:
        batch_op.add_column(sa.Column("parked_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("park_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("reported_at", UtcDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_parked", ["parked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch_op:
        batch_op.drop_index("ix_outbox_parked")
        batch_op.drop_column("reported_at")
        batch_op.drop_column("park_reason")
        batch_op.drop_column("parked_at")
