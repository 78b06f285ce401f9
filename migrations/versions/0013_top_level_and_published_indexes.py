"""Partial indexes for top-level comments by time and by score, and for published comments

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-01

On a million comments (benchmarks/scale.py) the first page of a 100,000-comment thread walked
every top-level comment of the thread and sorted them: PostgreSQL does not take
`root_id IS NULL` as an equality, so (article_id, root_id, created_at, id) gave no order.
Partial indexes WHERE root_id IS NULL give the order directly, and are a quarter of the size
of the indexes they replace. The Atom feed of a thread (newest published comments) scanned
the site-wide status index; it gets its own partial index WHERE status = 'approved'.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TOP_LEVEL = sa.text('root_id IS NULL')
PUBLISHED = sa.text("status = 'approved'")


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_top_time', ['article_id', 'created_at', 'id'],
                              unique=False, sqlite_where=TOP_LEVEL, postgresql_where=TOP_LEVEL)
        batch_op.create_index('ix_comment_top_score', ['article_id', 'score', 'id'],
                              unique=False, sqlite_where=TOP_LEVEL, postgresql_where=TOP_LEVEL)
        batch_op.create_index('ix_comment_published', ['article_id', 'created_at', 'id'],
                              unique=False, sqlite_where=PUBLISHED, postgresql_where=PUBLISHED)
        batch_op.drop_index('ix_comment_thread')
        batch_op.drop_index('ix_comment_thread_top')


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_thread_top', ['article_id', 'root_id', 'score', 'id'],
                              unique=False)
        batch_op.create_index('ix_comment_thread', ['article_id', 'root_id', 'created_at', 'id'],
                              unique=False)
        batch_op.drop_index('ix_comment_published', sqlite_where=PUBLISHED,
                            postgresql_where=PUBLISHED)
        batch_op.drop_index('ix_comment_top_score', sqlite_where=TOP_LEVEL,
                            postgresql_where=TOP_LEVEL)
        batch_op.drop_index('ix_comment_top_time', sqlite_where=TOP_LEVEL,
                            postgresql_where=TOP_LEVEL)
