"""the organisation as data: reporting lines, norms, labels, areas, guests and yearly members

Revision ID: 0007_org
Revises: 0006_delivery
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_org"
down_revision: str | Sequence[str] | None = "0006_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("wijkgroup") as batch_op:
        batch_op.add_column(sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("reports_to", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("norm_weeks", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("norm_per_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("meets_per_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("on_request", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("jaarplan", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("participatie_per_year", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("areas", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False, server_default="")
        )
    with op.batch_alter_table("membership") as batch_op:
        batch_op.add_column(sa.Column("yearly", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("signaal") as batch_op:
        batch_op.add_column(sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signaal") as batch_op:
        batch_op.drop_column("area")
    with op.batch_alter_table("membership") as batch_op:
        batch_op.drop_column("yearly")
    with op.batch_alter_table("wijkgroup") as batch_op:
        for column in (
            "areas",
            "participatie_per_year",
            "jaarplan",
            "on_request",
            "meets_per_year",
            "norm_per_year",
            "norm_weeks",
            "reports_to",
            "label",
        ):
            batch_op.drop_column(column)
