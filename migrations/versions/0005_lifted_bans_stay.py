"""Lifted bans are kept, marked with when and by whom

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Deleting a lifted ban let SQLite hand its id to the next ban, so audit entries that name a ban
id could point at two different bans.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ban', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lifted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lifted_by', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('ban', schema=None) as batch_op:
        batch_op.drop_column('lifted_by')
        batch_op.drop_column('lifted_at')
