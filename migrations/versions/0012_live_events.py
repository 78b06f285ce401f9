"""Live events: what a live stream replays when it reconnects

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-01

One row per change readers see (a comment published, edited or removed), numbered by the
article's version in the same transaction as the change. Streams resume from a version without
loss, whichever process served the write. Rows expire after a day (commentsvc.live).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'live_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('live_event', schema=None) as batch_op:
        batch_op.create_index('ix_live_event_article', ['article_id', 'version'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_event_created_at'), ['created_at'],
                              unique=False)


def downgrade():
    op.drop_table('live_event')
