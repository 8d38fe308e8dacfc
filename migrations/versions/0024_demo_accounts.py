"""user.is_demo: accounts made by `flask demo seed`, shown with a "demo" badge and deleted
again by `flask demo remove` (docs/demo.md)

Revision ID: 0024_demo_accounts
Revises: 0023_discussion
Create Date: 2026-12-06 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_demo_accounts'
down_revision = '0023_discussion'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('is_demo')
