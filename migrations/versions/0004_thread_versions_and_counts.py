"""Thread versions for cached pages, reply counts per top-level comment, an index of pins

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Reading a page must cost O(page): `descendant_count` says how many replies remain under a
top-level comment without counting them, `article.version` lets a page be served from cache
until anything in the thread changes, and a partial index finds the (rare) pinned comments.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('descendant_count', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.create_index('ix_comment_pinned', ['article_id', 'id'], unique=False,
                              sqlite_where=sa.text('pinned'), postgresql_where=sa.text('pinned'))
    op.execute(
        "UPDATE comment SET descendant_count = (SELECT count(*) FROM comment AS reply"
        " WHERE reply.root_id = comment.id"
        " AND (reply.status = 'approved' OR reply.reply_count > 0))"
        " WHERE root_id IS NULL"
    )


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_pinned', sqlite_where=sa.text('pinned'),
                            postgresql_where=sa.text('pinned'))
        batch_op.drop_column('descendant_count')
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('version')
