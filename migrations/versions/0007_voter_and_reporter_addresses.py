"""Voter and reporter addresses

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Reader tokens are made by the client, so one address rotating tokens could buy any score or
hide any comment. Votes and reports now keep the keyed hash of the address they came from, and
whether the reader was signed in through the publisher: automatic hiding counts distinct
reporters, and one address moves a comment's score by at most a small cap.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('vote', 'flag'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('ip_hash', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index('ix_vote_ip', ['comment_id', 'ip_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index('ix_vote_ip')
    for table in ('flag', 'vote'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('verified')
            batch_op.drop_column('ip_hash')
