"""A digest of each comment's text, indexed with its time, for the repeated-post rule

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

The rule refuses the same text twice within an hour from one reader, or from one address under
one article. It looked up the reader's comments (all of them, ever) and the address's comments
of the last hour, and compared each text: a prolific reader, or a busy address, made every post
read hundreds of rows. With a digest of the text indexed with the time, the rule reads only the
comments of the last hour that say exactly this.

Comments written before this revision have no digest; they are more than an hour old by the
time it matters (at worst, one repeat sent across the upgrade is not noticed).
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_digest', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_comment_text_recent', ['body_digest', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_text_recent')
        batch_op.drop_column('body_digest')
