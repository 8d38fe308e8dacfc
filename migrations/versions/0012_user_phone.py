"""user.phone: learners keep their own contact number (the profile page)

Revision ID: 0012_user_phone
Revises: 0011_jobs
Create Date: 2026-12-05 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_user_phone'
down_revision = '0011_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('phone')
