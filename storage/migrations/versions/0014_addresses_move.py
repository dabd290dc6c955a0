"""identity as data: Slack and Telegram addresses move from Person's columns into `identity`

Revision ID: 0014_addresses_move
Revises: 0013_addresses
Create Date: 2026-12-03 02:00:00

Copies every `person.slack_id` to an `identity` row (transport "slack") and every
`person.telegram_id` to one with transport "telegram" (the number as text), then drops the two
columns. On SQLite the person table is rebuilt (batch mode); storage.db.migrate runs migrations
with foreign keys off there and checks them before it commits. The downgrade moves them back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014_addresses_move"
down_revision: str | Sequence[str] | None = "0013_addresses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_person = sa.table(
    "person",
    sa.column("id", sa.Integer()),
    sa.column("slack_id", sa.String(32)),
    sa.column("telegram_id", sa.BigInteger()),
)
_identity = sa.table(
    "identity",
    sa.column("person_id", sa.Integer()),
    sa.column("transport", sa.String(40)),
    sa.column("external_id", sa.String(255)),
)


def upgrade() -> None:
    for transport, column in (("slack", _person.c.slack_id), ("telegram", _person.c.telegram_id)):
        op.execute(
            _identity.insert().from_select(
                ["person_id", "transport", "external_id"],
                sa.select(_person.c.id, sa.literal(transport, sa.String(40)), sa.cast(column, sa.String(255))).where(
                    column.is_not(None)
                ),
            )
        )
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("slack_id")
        batch_op.drop_column("telegram_id")


def downgrade() -> None:
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("slack_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("telegram_id", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint("uq_person_slack_id", ["slack_id"])
        batch_op.create_unique_constraint("uq_person_telegram_id", ["telegram_id"])
    for transport, column, type_ in (
        ("slack", "slack_id", sa.String(32)),
        ("telegram", "telegram_id", sa.BigInteger()),
    ):
        value = (
            sa.select(sa.cast(_identity.c.external_id, type_))
            .where(_identity.c.person_id == _person.c.id, _identity.c.transport == transport)
            .scalar_subquery()
        )
        op.execute(_person.update().values({column: value}))
        op.execute(_identity.delete().where(_identity.c.transport == transport))
