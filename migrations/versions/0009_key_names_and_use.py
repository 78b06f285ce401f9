"""API key names, prefixes and last use; audit entries for the whole service

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Keys get a `name` (the old `label`, renamed: the text was always a name), the first characters
of the key so listings can tell keys apart without showing them, and `last_used_at` (written at
most once a minute per key). Existing keys keep working: their hash is untouched; their prefix is
unknown and stays NULL.

Audit entries may have no site: creating, revoking or rotating a key for all sites is not an act
on any one site, and copying it into every site's log would both mislead and grow with the sites.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.alter_column('label', new_column_name='name', existing_type=sa.String(length=200),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('prefix', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('site_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Service-wide entries have no site to go back to; they cannot survive NOT NULL.
    op.execute("DELETE FROM audit_entry WHERE site_id IS NULL")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('site_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('prefix')
        batch_op.alter_column('name', new_column_name='label', existing_type=sa.String(length=200),
                              existing_nullable=False)
