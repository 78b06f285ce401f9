"""Imported comments remember their source and source id

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Importers (Disqus, WordPress, Isso, Remark42, commentsvc's own export) store where each comment
came from, so running the same import twice adds nothing and a larger export adds only what is new.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_source', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('import_id', sa.String(length=128), nullable=True))
        batch_op.create_index('uq_comment_import', ['article_id', 'import_source', 'import_id'],
                              unique=True)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('uq_comment_import')
        batch_op.drop_column('import_id')
        batch_op.drop_column('import_source')
