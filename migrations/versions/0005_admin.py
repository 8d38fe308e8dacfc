"""admin: JP credited by hand, temporary passwords, users by agency

Revision ID: 0005_admin
Revises: 0004_authoring
Create Date: 2026-11-27 20:33:12.495656

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '0005_admin'
down_revision = '0004_authoring'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jp_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('jp', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_name', sa.String(length=100), nullable=True),
    sa.Column('evidence_mime', sa.String(length=32), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('jp > 0 AND jp <= 200', name=op.f('ck_jp_credit_jp_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_jp_credit_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_jp_credit_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jp_credit'))
    )
    with op.batch_alter_table('jp_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jp_credit_earned_on'), ['earned_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_jp_credit_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_user_agency_id'), ['agency_id'], unique=False)



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_agency_id'))
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('jp_credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jp_credit_user_id'))
        batch_op.drop_index(batch_op.f('ix_jp_credit_earned_on'))

    op.drop_table('jp_credit')
