"""outbox_waiting: the waiting messages of one destination, in order, from an index; the parked index partial

Delivery reads the first waiting message of every destination (GROUP BY kind, destination) and
then a destination's next ones in id order. Without this index both walked every waiting row (an
outbox of 50,000 reminders: a scan per destination). Partial (only unsent, unparked rows), so it
stays as small as the queue, however long the sent history is kept. `ix_outbox_parked` now holds
only parked rows: SQLite, without statistics, chose it for `parked_at IS NULL` and so walked every
message ever sent to find the few that wait.

Revision ID: 0017_outbox_waiting
Revises: 0016_inbox
Create Date: 2026-12-12 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_outbox_waiting"
down_revision: str | Sequence[str] | None = "0016_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("sent_at IS NULL AND parked_at IS NULL")
PARKED = sa.text("parked_at IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_outbox_parked", table_name="outboxmessage")
    op.create_index(
        "ix_outbox_parked", "outboxmessage", ["parked_at"], unique=False, sqlite_where=PARKED, postgresql_where=PARKED
    )
    op.create_index(
        "ix_outbox_waiting",
        "outboxmessage",
        ["kind", "destination", "id"],
        unique=False,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_waiting", table_name="outboxmessage")
    op.drop_index("ix_outbox_parked", table_name="outboxmessage")
    op.create_index("ix_outbox_parked", "outboxmessage", ["parked_at"], unique=False)
