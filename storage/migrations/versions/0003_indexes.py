"""indexes the benchmarks asked for: open actiepunten of a team by deadline

Revision ID: 0003_indexes
Revises: 0002_telegram
Create Date: 2026-11-22 02:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_indexes"
down_revision: str | None = "0002_telegram"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_actiepunt_group_status_deadline", "actiepunt", ["group_id", "status", "deadline"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_actiepunt_group_status_deadline", table_name="actiepunt")
