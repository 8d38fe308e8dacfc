"""user preferences: interface language, large text

Revision ID: 0006_user_preferences
Revises: 0005_admin
Create Date: 2026-11-27 23:11:51.893199

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_user_preferences'
down_revision = '0005_admin'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('large_text', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('large_text')
        batch_op.drop_column('language')
