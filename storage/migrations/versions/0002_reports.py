"""reports: indexes for the weekly digest (open signalen by age, actiepunten done in a window)

Revision ID: 0002_reports
Revises: 0001
Create Date: 2026-11-22 02:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_reports"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_signaal_group_status_created", "signaal", ["group_id", "status", "created_at"], unique=False)
    op.create_index(op.f("ix_actiepunt_done_at"), "actiepunt", ["done_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_actiepunt_done_at"), table_name="actiepunt")
    op.drop_index("ix_signaal_group_status_created", table_name="signaal")
