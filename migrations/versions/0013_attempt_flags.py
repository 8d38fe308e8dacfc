"""attempt_question.flagged: a learner marks questions to come back to ("Tandai soal")

Revision ID: 0013_attempt_flags
Revises: 0012_user_phone
Create Date: 2026-12-05 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_attempt_flags'
down_revision = '0012_user_phone'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.drop_column('flagged')
