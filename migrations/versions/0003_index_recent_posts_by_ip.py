"""Index comments by IP hash and time

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

The repeated-post rule looks up what one address posted within the last hour on every post;
without this index that is a scan of the whole comment table.
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_ip_recent', ['ip_hash', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_ip_recent')
