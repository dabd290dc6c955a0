"""one line of history again: joins the three branches that started from 0001

Revision ID: 0004_merge
Revises: 0002_reports, 0002_telegram, 0003_indexes
Create Date: 2026-12-01 20:30:00

Every later revision follows this one, so `alembic heads` is a single revision.
"""

from collections.abc import Sequence

revision: str = "0004_merge"
down_revision: str | Sequence[str] | None = ("0002_reports", "0002_telegram", "0003_indexes")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
