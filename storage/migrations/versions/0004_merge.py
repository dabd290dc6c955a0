"""once the join of three branches that started from 0001; now one step in a single line

Revision ID: 0004_merge
Revises: 0003_indexes
Create Date: 2026-12-01 20:30:00

0002_reports, 0002_telegram and 0003_indexes all revised 0001 and this revision merged them. They
are now chained one after the other (0001 → 0002_reports → 0002_telegram → 0003_indexes → here),
with their revision ids unchanged, so a database stamped with any later revision upgrades as
before and the history has a single head without any merge (tests/test_migrations.py).
"""

from collections.abc import Sequence

revision: str = "0004_merge"
down_revision: str | Sequence[str] | None = "0003_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
