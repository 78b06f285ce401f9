"""Initial schema: sites, articles, threaded comments

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Timestamps are stored as naive UTC (the models convert); the `default` site is created here so
the service works out of the box.

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('allowed_origins', sa.JSON(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    site = sa.table(
        'site',
        sa.column('key', sa.String), sa.column('name', sa.String),
        sa.column('allowed_origins', sa.JSON), sa.column('settings', sa.JSON),
        sa.column('created_at', sa.DateTime),
    )
    op.bulk_insert(site, [{
        'key': 'default', 'name': 'Default site', 'allowed_origins': [], 'settings': {},
        'created_at': datetime.now(UTC).replace(tzinfo=None),
    }])
    op.create_table('article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=512), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('premoderated', sa.Boolean(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('last_comment_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'key', name='uq_article_site_key')
    )
    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('root_id', sa.Integer(), nullable=True),
    sa.Column('ancestry', sa.String(length=2048), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('author_name', sa.String(length=80), nullable=False),
    sa.Column('reader_hash', sa.String(length=64), nullable=True),
    sa.Column('email_hash', sa.String(length=64), nullable=True),
    sa.Column('author_verified', sa.Boolean(), nullable=False),
    sa.Column('author_avatar', sa.String(length=1024), nullable=True),
    sa.Column('avatar_seed', sa.String(length=32), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('edit_token_hash', sa.String(length=64), nullable=True),
    sa.Column('ip_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_reader_hash'), ['reader_hash'], unique=False)
        batch_op.create_index('ix_comment_root', ['root_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_comment_thread', ['article_id', 'root_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_comment_thread_top', ['article_id', 'root_id', 'score', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_thread_top')
        batch_op.drop_index('ix_comment_thread')
        batch_op.drop_index('ix_comment_root')
        batch_op.drop_index(batch_op.f('ix_comment_reader_hash'))
        batch_op.drop_index(batch_op.f('ix_comment_parent_id'))

    op.drop_table('comment')
    op.drop_table('article')
    op.drop_table('site')
