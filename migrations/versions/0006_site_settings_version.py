"""Site settings version

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Each process keeps a site's parsed settings (5,000-word lists folded for matching) keyed by
this version, instead of parsing them on every post; every change of the settings moves it on.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings_version', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('settings_version')
