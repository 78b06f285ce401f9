"""E-mail: subscriptions (double opt-in), watched comments, reply notices, moderation links

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Readers who tick "e-mail me when someone replies" get a subscription per address and site: the
keyed e-mail hash plus the address sealed (encrypted with a key derived from the service secret),
kept only while they are subscribed. Reply notices collect published replies for the per-reader
digest; moderation links make the approve / reject links of moderator e-mails single-use.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('email_hash', sa.String(length=64), nullable=False),
        sa.Column('address_sealed', sa.Text(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirm_sent_at', sa.DateTime(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.Column('digest_due_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', 'kind', 'email_hash', name='uq_mail_subscription'),
    )
    op.create_table(
        'reply_watch',
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscription_id'], ['mail_subscription.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('comment_id'),
    )
    op.create_index('ix_reply_watch_subscription_id', 'reply_watch', ['subscription_id'])
    op.create_table(
        'reply_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('reply_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['reply_id'], ['comment.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscription_id'], ['mail_subscription.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subscription_id', 'reply_id', name='uq_reply_notice'),
    )
    op.create_index('ix_reply_notice_waiting', 'reply_notice', ['subscription_id', 'sent_at'])
    op.create_table(
        'moderation_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nonce_hash', sa.String(length=64), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('used_for', sa.String(length=16), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscription_id'], ['mail_subscription.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('nonce_hash'),
    )
    op.create_index('ix_moderation_link_comment_id', 'moderation_link', ['comment_id'])


def downgrade():
    op.drop_index('ix_moderation_link_comment_id', table_name='moderation_link')
    op.drop_table('moderation_link')
    op.drop_index('ix_reply_notice_waiting', table_name='reply_notice')
    op.drop_table('reply_notice')
    op.drop_index('ix_reply_watch_subscription_id', table_name='reply_watch')
    op.drop_table('reply_watch')
    op.drop_table('mail_subscription')
