"""A webhook can be turned off: by its receiver answering 410 Gone, or by an admin

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

A receiver that answers 410 Gone says it will never take deliveries again (the Standard
Webhooks convention): the webhook is turned off rather than retried eight times per event
forever. Existing webhooks stay on.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('disabled_reason', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.drop_column('disabled_reason')
        batch_op.drop_column('disabled_at')
